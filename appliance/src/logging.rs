//! Logs go to the journal (native protocol, the role as SYSLOG_IDENTIFIER)
//! when stderr is connected to it, and to stderr otherwise. One filter serves
//! both: `RUST_LOG` (env_logger syntax) over quiet defaults for chatty crates.
//! Structured fields (the access log's METHOD, STATUS, ...) are journal
//! fields; on stderr the message alone says the same once.

mod from_tracing;

use env_filter::Filter;
use log::{LevelFilter, Log, Metadata, Record};

fn filter() -> Filter {
    let mut builder = env_filter::Builder::new();
    builder
        .filter_level(LevelFilter::Info)
        // tracing's span enter/exit lines (from the session layer), not news for an admin.
        .filter_module("tracing::span", LevelFilter::Off)
        .filter_module("pingora_core", LevelFilter::Warn)
        .filter_module("pingora_proxy", LevelFilter::Warn)
        .filter_module("sqlx", LevelFilter::Warn)
        // fred warns on every reconnect, including the planned one at shutdown.
        .filter_module("fred", LevelFilter::Error);
    if let Ok(spec) = std::env::var("RUST_LOG") {
        builder.parse(&spec);
    }
    builder.build()
}

struct Filtered<L> {
    filter: Filter,
    inner: L,
}

/// Pingora logs a client that hangs up or rejects the certificate
/// mid-handshake (and the connections that answer ACME's TLS-ALPN-01 checks)
/// as ERROR. Nothing is wrong with the server then, so these are debug lines:
/// an admin's `journalctl -p err` stays for real failures.
fn client_caused(record: &Record<'_>) -> bool {
    record.level() == log::Level::Error && record.target().starts_with("pingora_core") && {
        let text = record.args().to_string();
        text.starts_with("Downstream handshake error") || text.starts_with("H2 handshake error")
    }
}

impl<L: Log> Log for Filtered<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata) && self.inner.enabled(metadata)
    }
    fn log(&self, record: &Record<'_>) {
        if client_caused(record) {
            let demoted = Record::builder()
                .level(log::Level::Debug)
                .target(record.target())
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .args(*record.args())
                .build();
            if self.filter.matches(&demoted) {
                self.inner.log(&demoted);
            }
        } else if self.filter.matches(record) {
            self.inner.log(record);
        }
    }
    fn flush(&self) {
        self.inner.flush();
    }
}

/// The logger, then `tracing`'s events into it (after it: the subscriber
/// asks the logger's filter which events it wants).
fn install(inner: impl Log + 'static) {
    let filter = filter();
    log::set_max_level(filter.filter());
    let _ = log::set_boxed_logger(Box::new(Filtered { filter, inner }));
    let _ = tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(
        from_tracing::ToLog,
    ));
}

/// Log to the journal when stderr is the journal (systemd started the role),
/// or when told so with `ERP_LOG_JOURNAL=1`: in a container whose unit
/// mounts the journal's socket. There podman hands stderr to conmon, which
/// logs each line as one message at priority 3 (error), fields lost.
fn journal_wanted() -> bool {
    systemd_journal_logger::connected_to_journal()
        || std::env::var_os("ERP_LOG_JOURNAL").is_some_and(|v| v == "1")
}

pub fn init(role: &str) {
    if journal_wanted()
        && let Ok(journal) = systemd_journal_logger::JournalLog::new()
    {
        install(journal.with_syslog_identifier(format!("appliance-{role}")));
        return;
    }
    let stderr = env_logger::Builder::new()
        .filter_level(LevelFilter::Trace)
        .format_target(false)
        .format_timestamp_millis()
        .build();
    install(stderr);
}

#[cfg(test)]
mod tests {
    use log::{Level, Record};

    fn record(level: Level, target: &str, text: &str, check: impl Fn(&Record<'_>) -> bool) -> bool {
        check(
            &Record::builder()
                .level(level)
                .target(target)
                .args(format_args!("{text}"))
                .build(),
        )
    }

    #[test]
    fn only_pingoras_client_handshake_errors_are_demoted() {
        let demoted = |l, t, m| record(l, t, m, super::client_caused);
        assert!(demoted(
            Level::Error,
            "pingora_core::services::listening",
            "Downstream handshake error from 1.2.3.4:5: TLSHandshakeFailure"
        ));
        assert!(demoted(
            Level::Error,
            "pingora_core::apps",
            "H2 handshake error reset"
        ));
        assert!(!demoted(
            Level::Error,
            "pingora_core::server",
            "Unable to send listener sockets"
        ));
        assert!(!demoted(
            Level::Error,
            "appliance::proxy",
            "Downstream handshake error"
        ));
        assert!(!demoted(
            Level::Warn,
            "pingora_core::services::listening",
            "Downstream handshake error"
        ));
    }
}
