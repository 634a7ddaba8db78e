//! Cron expressions: five fields (minute first) or six (seconds first).

use chrono::{DateTime, Timelike, Utc};
use croner::Cron;

use crate::{Error, Result};

pub fn parse_cron(expr: &str) -> Result<Cron> {
    expr.parse::<Cron>().map_err(|e| {
        Error::validation(
            "invalid_cron",
            "/cron",
            format!("invalid cron expression {expr:?}: {e}"),
        )
    })
}

/// The first tick strictly after `after`, on a whole second. Ticks must not
/// carry the sub-second part of the moment they were computed at: every
/// scheduler has to arrive at the same instant for the same tick, since the
/// instant is part of the idempotency key.
pub fn next_after(cron: &Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let whole = after.with_nanosecond(0)?;
    let next = cron.find_next_occurrence(&whole, false).ok()?;
    next.with_nanosecond(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn five_and_six_fields() -> Result<()> {
        let t0 = Utc
            .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
            .single()
            .ok_or_else(|| Error::not_found("t"))?;
        let every_15_min = parse_cron("*/15 * * * *")?;
        assert_eq!(
            next_after(&every_15_min, t0),
            Some(t0 + chrono::Duration::minutes(15))
        );
        let every_2_s = parse_cron("*/2 * * * * *")?;
        assert_eq!(
            next_after(&every_2_s, t0),
            Some(t0 + chrono::Duration::seconds(2))
        );
        // Two schedulers asking a few milliseconds apart agree on the tick.
        let a = next_after(&every_2_s, t0 + chrono::Duration::milliseconds(3));
        let b = next_after(&every_2_s, t0 + chrono::Duration::milliseconds(870));
        assert_eq!(a, Some(t0 + chrono::Duration::seconds(2)));
        assert_eq!(a, b);
        Ok(())
    }

    #[test]
    fn garbage_is_a_validation_error_on_cron() {
        let err = parse_cron("every tuesday").err();
        let pointer = err
            .as_ref()
            .and_then(|e| e.fields.first())
            .map(|f| f.pointer.as_str());
        assert_eq!(pointer, Some("/cron"));
    }
}
