//! Collects every problem of an input before refusing it, so a form shows all
//! its bad fields at once and the API lists each with its JSON pointer.

use crate::numbers::{Bounds, EXCHANGE_RATE, MONEY};
use crate::{Error, FieldIssue, Result};

#[derive(Default)]
pub struct Checks {
    issues: Vec<FieldIssue>,
}

impl Checks {
    pub fn new() -> Checks {
        Checks::default()
    }

    pub fn push(&mut self, issue: FieldIssue) {
        self.issues.push(issue);
    }

    /// Whether a problem has been recorded at `pointer`.
    pub fn has(&self, pointer: &str) -> bool {
        self.issues.iter().any(|i| i.pointer == pointer)
    }

    /// Keep the value of a parse, or record its problem.
    pub fn take<T>(&mut self, parsed: std::result::Result<T, FieldIssue>) -> Option<T> {
        parsed.map_err(|issue| self.push(issue)).ok()
    }

    /// Trimmed text of `min..=max` characters.
    pub fn text(&mut self, pointer: &str, value: &str, min: usize, max: usize) -> String {
        let value = value.trim();
        let len = value.chars().count();
        if len < min {
            self.push(FieldIssue::new(
                pointer,
                "required",
                "this field is required",
            ));
        } else if len > max {
            self.push(FieldIssue::new(
                pointer,
                "too_long",
                format!("at most {max} characters"),
            ));
        }
        value.to_owned()
    }

    /// An optional e-mail address (empty is allowed).
    pub fn email(&mut self, pointer: &str, value: &str) -> String {
        let value = self.text(pointer, value, 0, 254);
        let shape_ok = value.is_empty()
            || value
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !value.contains(' '));
        if !shape_ok {
            self.push(FieldIssue::new(
                pointer,
                "invalid_email",
                "not an e-mail address",
            ));
        }
        value
    }

    pub fn range<T: PartialOrd + std::fmt::Display>(
        &mut self,
        pointer: &str,
        value: T,
        min: T,
        max: T,
    ) -> T {
        if value < min || value > max {
            self.push(FieldIssue::new(
                pointer,
                "out_of_range",
                format!("must be between {min} and {max}"),
            ));
        }
        value
    }

    /// An amount that may be 0 within `bounds`: a negative one is
    /// `negative_amount`, one past the bounds `invalid_amount`.
    pub fn amount(&mut self, pointer: &str, value: rust_decimal::Decimal, bounds: Bounds) {
        if value.is_sign_negative() && !value.is_zero() {
            self.push(FieldIssue::new(
                pointer,
                "negative_amount",
                "must not be negative",
            ));
        } else if !bounds.admits(value) {
            self.push(FieldIssue::new(
                pointer,
                "invalid_amount",
                format!(
                    "below {} with at most {} decimals",
                    bounds.limit(),
                    bounds.places
                ),
            ));
        }
    }

    /// The exchange rate of a document or payment in `currency`: 1 for
    /// lempiras (none may be given), lempiras per dollar (required, at most 6
    /// decimals) for USD.
    pub fn exchange_rate(
        &mut self,
        currency: &str,
        rate: Option<rust_decimal::Decimal>,
    ) -> rust_decimal::Decimal {
        use rust_decimal::Decimal;
        match (currency, rate) {
            ("HNL", None) => Decimal::ONE,
            ("HNL", Some(r)) if r == Decimal::ONE => r,
            ("HNL", Some(_)) => {
                self.push(FieldIssue::new(
                    "/exchange_rate",
                    "rate_for_lempiras",
                    "lempira amounts have no exchange rate",
                ));
                Decimal::ONE
            }
            ("USD", Some(r)) if EXCHANGE_RATE.admits(r) => r,
            ("USD", _) => {
                self.push(FieldIssue::new(
                    "/exchange_rate",
                    "exchange_rate_required",
                    "lempiras per dollar, more than 0 and below 1,000,000, e.g. 24.6512",
                ));
                Decimal::ONE
            }
            _ => {
                self.push(FieldIssue::new(
                    "/currency",
                    "invalid_currency",
                    "HNL or USD",
                ));
                Decimal::ONE
            }
        }
    }

    /// A dollar `amount` (a payment) in lempiras, as the ledger keeps it:
    /// below the bound of money ([`MONEY`]) like any lempira amount.
    /// Refused under `pointer`, the field that carries the amount.
    pub fn in_lempiras(
        &mut self,
        pointer: &str,
        amount: rust_decimal::Decimal,
        rate: rust_decimal::Decimal,
    ) {
        let too_large = (
            "too_large_in_lempiras",
            "in lempiras (times the exchange rate) this must stay below 1,000,000,000,000",
        );
        self.below_money(pointer, amount, rate, too_large);
    }

    /// The same bound for a document's total (a sum: refused under the
    /// lines, or the field the form shows the sum at).
    pub fn total_in_lempiras(
        &mut self,
        pointer: &str,
        total: rust_decimal::Decimal,
        rate: rust_decimal::Decimal,
    ) {
        let too_large = (
            "total_too_large",
            "the total, in lempiras, must stay below 1,000,000,000,000",
        );
        self.below_money(pointer, total, rate, too_large);
    }

    /// `amount` times `rate`, rounded to cents, below [`MONEY`]'s bound;
    /// else the issue `(code, message)` under `pointer`.
    fn below_money(
        &mut self,
        pointer: &str,
        amount: rust_decimal::Decimal,
        rate: rust_decimal::Decimal,
        (code, message): (&'static str, &'static str),
    ) {
        let lempiras = amount.checked_mul(rate).map(|l| l.round_dp(2));
        if lempiras.is_none_or(|l| l >= MONEY.limit()) {
            self.push(FieldIssue::new(pointer, code, message));
        }
    }

    pub fn finish(self) -> Result<()> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_fields(self.issues))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_issue_is_reported() {
        let mut c = Checks::new();
        c.text("/name", "  ", 1, 10);
        c.text("/city", "abcdefghijk", 0, 10);
        c.email("/email", "nobody");
        c.range("/days", 400, 0, 365);
        let fields: Vec<_> = c
            .finish()
            .err()
            .map(|e| e.fields.into_iter().map(|f| (f.pointer, f.code)).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec![
                ("/name".to_owned(), "required"),
                ("/city".to_owned(), "too_long"),
                ("/email".to_owned(), "invalid_email"),
                ("/days".to_owned(), "out_of_range"),
            ]
        );
    }
}
