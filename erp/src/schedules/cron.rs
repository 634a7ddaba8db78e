//! Cron expressions: five fields (minute first) or six (seconds first).

use chrono::{DateTime, Utc};
use croner::Cron;

use crate::{Error, Result};

pub fn parse_cron(expr: &str) -> Result<Cron> {
    expr.parse::<Cron>().map_err(|e| {
        Error::validation("invalid_cron", "/cron", format!("invalid cron expression {expr:?}: {e}"))
    })
}

/// The first tick strictly after `after`.
pub fn next_after(cron: &Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&after, false).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn five_and_six_fields() -> Result<()> {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).single().ok_or_else(|| Error::not_found("t"))?;
        let every_15_min = parse_cron("*/15 * * * *")?;
        assert_eq!(next_after(&every_15_min, t0), Some(t0 + chrono::Duration::minutes(15)));
        let every_2_s = parse_cron("*/2 * * * * *")?;
        assert_eq!(next_after(&every_2_s, t0), Some(t0 + chrono::Duration::seconds(2)));
        Ok(())
    }

    #[test]
    fn garbage_is_a_validation_error_on_cron() {
        let err = parse_cron("every tuesday").err();
        assert_eq!(err.as_ref().and_then(|e| e.field.as_deref()), Some("/cron"));
    }
}
