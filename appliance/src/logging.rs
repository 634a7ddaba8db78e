//! Logs go to the journal (native protocol, the role as SYSLOG_IDENTIFIER)
//! when stderr is connected to it, and to stderr otherwise. One filter serves
//! both: `RUST_LOG` (env_logger syntax) over quiet defaults for chatty crates.

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

impl<L: Log> Log for Filtered<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata) && self.inner.enabled(metadata)
    }
    fn log(&self, record: &Record<'_>) {
        if self.filter.matches(record) {
            self.inner.log(record);
        }
    }
    fn flush(&self) {
        self.inner.flush();
    }
}

fn install(inner: impl Log + 'static) {
    let filter = filter();
    log::set_max_level(filter.filter());
    let _ = log::set_boxed_logger(Box::new(Filtered { filter, inner }));
}

pub fn init(role: &str) {
    if systemd_journal_logger::connected_to_journal()
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
