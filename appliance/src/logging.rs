//! Logs go to the journal (native protocol, the role as SYSLOG_IDENTIFIER)
//! when stderr is connected to it, and to stderr otherwise.

pub fn init(role: &str) {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|l| l.parse::<log::LevelFilter>().ok())
        .unwrap_or(log::LevelFilter::Info);
    if systemd_journal_logger::connected_to_journal() {
        if let Ok(logger) = systemd_journal_logger::JournalLog::new() {
            if logger.with_syslog_identifier(format!("appliance-{role}")).install().is_ok() {
                log::set_max_level(level);
                return;
            }
        }
    }
    let _ = env_logger::Builder::new()
        .filter_level(level)
        .filter_module("pingora_core", log::LevelFilter::Warn.min(level))
        .filter_module("pingora_proxy", log::LevelFilter::Warn.min(level))
        .filter_module("sqlx", log::LevelFilter::Warn.min(level))
        // fred warns on every reconnect, including the planned one at shutdown.
        .filter_module("fred", log::LevelFilter::Error.min(level))
        .format_target(false)
        .format_timestamp_millis()
        .try_init();
}
