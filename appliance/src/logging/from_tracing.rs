//! Events that crates send through `tracing` (sqlx's slow-statement
//! warnings, apalis, hyper) reach the `log` logger, and spans cost nothing.
//!
//! Without a subscriber, tracing's `log` feature (which sqlx, tower and
//! quinn turn on) makes every span a live object that checks the log level
//! on each enter and exit: h2 enters several per request, 0.7 % of the edge's
//! CPU in `bench/edge.py`, for lines our filter drops (`tracing::span`).
//! This subscriber tells every span callsite it is never wanted, so a span
//! is an empty handle, and hands each event the log filter takes to the
//! logger as one line: the message, then its other fields as `name=value`.

use std::fmt::{self, Write as _};

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::subscriber::Interest;
use tracing_core::{Event, Level, LevelFilter, Metadata, Subscriber};

pub struct ToLog;

fn level(level: &Level) -> log::Level {
    match *level {
        Level::ERROR => log::Level::Error,
        Level::WARN => log::Level::Warn,
        Level::INFO => log::Level::Info,
        Level::DEBUG => log::Level::Debug,
        Level::TRACE => log::Level::Trace,
    }
}

/// Whether the logger would write an event with this metadata. The log
/// filter is fixed once the process has started, so the answer is kept per
/// callsite (see `register_callsite`).
fn logged(meta: &Metadata<'_>) -> bool {
    meta.is_event()
        && log::logger().enabled(
            &log::Metadata::builder()
                .level(level(meta.level()))
                .target(meta.target())
                .build(),
        )
}

impl Subscriber for ToLog {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if logged(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        logged(meta)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(match log::max_level() {
            log::LevelFilter::Off => LevelFilter::OFF,
            log::LevelFilter::Error => LevelFilter::ERROR,
            log::LevelFilter::Warn => LevelFilter::WARN,
            log::LevelFilter::Info => LevelFilter::INFO,
            log::LevelFilter::Debug => LevelFilter::DEBUG,
            log::LevelFilter::Trace => LevelFilter::TRACE,
        })
    }

    // Spans are never enabled (above), so these are not called for real
    // spans; a span has to have some id all the same.
    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _span: &Id, _values: &Record<'_>) {}
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = Line::default();
        event.record(&mut line);
        let text = line.text();
        log::logger().log(
            &log::Record::builder()
                .level(level(meta.level()))
                .target(meta.target())
                .module_path(meta.module_path())
                .file(meta.file())
                .line(meta.line())
                .args(format_args!("{text}"))
                .build(),
        );
    }
}

/// An event's fields as one line of text.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Line {
    fn text(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{} {}", self.message, self.fields),
        }
    }
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let gap = if self.fields.is_empty() { "" } else { " " };
            let _ = write!(self.fields, "{gap}{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    /// Every line a logger received, with its level and target.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<(log::Level, String, String)>>>);

    impl log::Log for Kept {
        fn enabled(&self, _meta: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            self.0.lock().expect("the lines").push((
                record.level(),
                record.target().to_owned(),
                record.args().to_string(),
            ));
        }
        fn flush(&self) {}
    }

    #[test]
    fn events_reach_the_logger_as_lines_and_spans_say_nothing() {
        // The process-wide logger and subscriber: this is the only test
        // that installs them. The logger takes every level, so a span's
        // enter and exit would show (without the subscriber, tracing's
        // `log` feature writes them as `tracing::span` lines).
        let kept = Kept::default();
        log::set_boxed_logger(Box::new(kept.clone())).expect("no logger yet");
        log::set_max_level(log::LevelFilter::Trace);
        tracing::subscriber::set_global_default(super::ToLog).expect("no subscriber yet");

        let span = tracing::info_span!("request", id = 7);
        span.in_scope(|| {
            tracing::warn!(target: "sqlx::query", elapsed = 3, db.statement = "SELECT 1", "slow statement");
            tracing::debug!(answer = 42);
        });
        drop(span);

        let lines = kept.0.lock().expect("the lines").clone();
        assert_eq!(
            lines,
            vec![
                (
                    log::Level::Warn,
                    "sqlx::query".to_owned(),
                    "slow statement elapsed=3 db.statement=\"SELECT 1\"".to_owned()
                ),
                (
                    log::Level::Debug,
                    module_path!().to_owned(),
                    "answer=42".to_owned()
                ),
            ]
        );
    }
}
