//! Amounts: always `Decimal`. Shown the way Honduran documents show them,
//! "L 1,234.56"; typed by people with or without thousands separators.

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// "L 1,234.56" (two decimals, half away from zero; "-L 5.00" when negative).
pub fn format_lempiras(amount: Decimal) -> String {
    format_money(amount, "L")
}

/// An amount in a document's currency: "L 1,234.56" or "US$ 1,234.56".
pub fn format_amount(amount: Decimal, currency: &str) -> String {
    format_money(amount, if currency == "USD" { "US$" } else { "L" })
}

fn format_money(amount: Decimal, symbol: &str) -> String {
    let rounded = amount
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .abs();
    let text = format!("{rounded:.2}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{symbol} {grouped}.{frac}")
}

/// An amount typed in a form: "1,234.5", "L 1234.50", " 0.99 ". None when
/// it is not a number.
pub fn parse_amount(input: &str) -> Option<Decimal> {
    let cleaned: String = input
        .trim()
        .trim_start_matches('L')
        .chars()
        .filter(|c| !matches!(c, ',' | ' '))
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    Decimal::from_str(&cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn formats_like_an_invoice() {
        assert_eq!(format_lempiras(d("0")), "L 0.00");
        assert_eq!(format_lempiras(d("5")), "L 5.00");
        assert_eq!(format_lempiras(d("999.995")), "L 1,000.00");
        assert_eq!(format_lempiras(d("1234.56")), "L 1,234.56");
        assert_eq!(format_lempiras(d("1234567.8")), "L 1,234,567.80");
        assert_eq!(format_lempiras(d("-250")), "-L 250.00");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_amount("1,234.5"), Some(d("1234.5")));
        assert_eq!(parse_amount("L 1234.50"), Some(d("1234.50")));
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount(""), None);
    }
}
