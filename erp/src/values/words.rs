//! An amount written in Spanish words, the way Honduran invoices print it:
//! "mil doscientos treinta y cuatro lempiras con 50/100". The integer part is
//! in words, the cents as a fraction of 100. Spanish rules that matter here:
//! "uno" becomes "un" before a noun ("un lempira", "veintiún mil", "un
//! millón"), 100 is "cien" but 101 is "ciento uno", and an amount of whole
//! millions takes "de" before the currency ("un millón de lempiras").

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// The currency as it is named after the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrencyName {
    pub singular: &'static str,
    pub plural: &'static str,
}

pub const LEMPIRAS: CurrencyName = CurrencyName {
    singular: "lempira",
    plural: "lempiras",
};
pub const DOLARES: CurrencyName = CurrencyName {
    singular: "dólar",
    plural: "dólares",
};

impl CurrencyName {
    /// The name for an ISO code the appliance handles (HNL, USD).
    pub fn of(code: &str) -> Option<CurrencyName> {
        match code {
            "HNL" => Some(LEMPIRAS),
            "USD" => Some(DOLARES),
            _ => None,
        }
    }
}

/// Largest amount written (below a thousand billones, far above any invoice).
const LIMIT: u64 = 1_000_000_000_000_000;

/// `amount` in words with `currency`, rounded to cents half away from zero;
/// None when it is too large to write.
pub fn amount_in_words(amount: Decimal, currency: CurrencyName) -> Option<String> {
    let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let abs = rounded.abs();
    let whole = abs.trunc().to_u64()?;
    if whole >= LIMIT {
        return None;
    }
    let cents = ((abs - abs.trunc()) * Decimal::from(100)).to_u64()?;
    let mut words = number(whole, true);
    let name = if whole == 1 {
        currency.singular
    } else {
        currency.plural
    };
    if whole >= 1_000_000 && whole % 1_000_000 == 0 {
        words.push_str(" de");
    }
    let sign = if negative { "menos " } else { "" };
    Some(format!("{sign}{words} {name} con {cents:02}/100"))
}

const UNITS: [&str; 30] = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
];
const TENS: [&str; 10] = [
    "",
    "",
    "",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
];
const HUNDREDS: [&str; 10] = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
];

/// 0–999. `before_noun`: "uno" shortened to "un" (and "veintiuno" to
/// "veintiún"), as before "mil", "millón" or the currency.
fn below_thousand(n: u64, before_noun: bool) -> String {
    let (h, rest) = (n / 100, n % 100);
    let mut parts: Vec<String> = Vec::new();
    if h == 1 && rest == 0 {
        return "cien".into();
    }
    if h > 0 {
        parts.push(HUNDREDS[h as usize].into());
    }
    if rest > 0 || h == 0 {
        let text = if rest < 30 {
            UNITS[rest as usize].to_owned()
        } else if rest % 10 == 0 {
            TENS[(rest / 10) as usize].to_owned()
        } else {
            format!(
                "{} y {}",
                TENS[(rest / 10) as usize],
                UNITS[(rest % 10) as usize]
            )
        };
        parts.push(text);
    }
    let mut out = parts.join(" ");
    if before_noun {
        if out.ends_with("veintiuno") {
            out.replace_range(out.len() - "veintiuno".len().., "veintiún");
        } else if out == "uno" || out.ends_with(" uno") {
            out.truncate(out.len() - 1);
        }
    }
    out
}

/// Any number below [`LIMIT`], in words; `before_noun` as above.
fn number(n: u64, before_noun: bool) -> String {
    if n == 0 {
        return "cero".into();
    }
    // Groups of six digits: units, millones, billones (long scale).
    let scales: [(u64, &str, &str); 2] = [
        (1_000_000_000_000, "billón", "billones"),
        (1_000_000, "millón", "millones"),
    ];
    let mut parts = Vec::new();
    let mut rest = n;
    for (size, one, many) in scales {
        let count = rest / size;
        rest %= size;
        if count == 0 {
            continue;
        }
        if count == 1 {
            parts.push(format!("un {one}"));
        } else {
            parts.push(format!("{} {many}", thousands(count, true)));
        }
    }
    if rest > 0 {
        parts.push(thousands(rest, before_noun));
    }
    parts.join(" ")
}

/// 1–999,999: "mil" alone for one thousand, "veintiún mil", "cien mil".
fn thousands(n: u64, before_noun: bool) -> String {
    let (k, rest) = (n / 1000, n % 1000);
    let mut parts = Vec::new();
    match k {
        0 => {}
        1 => parts.push("mil".to_owned()),
        k => parts.push(format!("{} mil", below_thousand(k, true))),
    }
    if rest > 0 {
        parts.push(below_thousand(rest, before_noun));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn words(text: &str) -> String {
        let amount = Decimal::from_str(text).unwrap_or_default();
        amount_in_words(amount, LEMPIRAS).unwrap_or_default()
    }

    #[test]
    fn amounts_as_an_invoice_writes_them() {
        let cases = [
            ("0", "cero lempiras con 00/100"),
            ("0.99", "cero lempiras con 99/100"),
            ("1", "un lempira con 00/100"),
            ("1.50", "un lempira con 50/100"),
            ("2", "dos lempiras con 00/100"),
            ("15", "quince lempiras con 00/100"),
            ("16", "dieciséis lempiras con 00/100"),
            ("21.50", "veintiún lempiras con 50/100"),
            ("22", "veintidós lempiras con 00/100"),
            ("30", "treinta lempiras con 00/100"),
            ("31", "treinta y un lempiras con 00/100"),
            ("99", "noventa y nueve lempiras con 00/100"),
            ("100", "cien lempiras con 00/100"),
            ("101", "ciento un lempiras con 00/100"),
            ("115", "ciento quince lempiras con 00/100"),
            ("200", "doscientos lempiras con 00/100"),
            ("500", "quinientos lempiras con 00/100"),
            ("999.99", "novecientos noventa y nueve lempiras con 99/100"),
            ("1000", "mil lempiras con 00/100"),
            ("1001", "mil un lempiras con 00/100"),
            (
                "1234.56",
                "mil doscientos treinta y cuatro lempiras con 56/100",
            ),
            ("2000", "dos mil lempiras con 00/100"),
            ("21000", "veintiún mil lempiras con 00/100"),
            (
                "45999",
                "cuarenta y cinco mil novecientos noventa y nueve lempiras con 00/100",
            ),
            ("100000", "cien mil lempiras con 00/100"),
            ("101000", "ciento un mil lempiras con 00/100"),
            ("1000000", "un millón de lempiras con 00/100"),
            ("1000001", "un millón un lempiras con 00/100"),
            (
                "1250000",
                "un millón doscientos cincuenta mil lempiras con 00/100",
            ),
            ("2000000", "dos millones de lempiras con 00/100"),
            ("21000000", "veintiún millones de lempiras con 00/100"),
            ("1000000000", "mil millones de lempiras con 00/100"),
            ("1000000000000", "un billón de lempiras con 00/100"),
            ("0.005", "cero lempiras con 01/100"),
            ("9.995", "diez lempiras con 00/100"),
            ("-5", "menos cinco lempiras con 00/100"),
        ];
        for (amount, expected) in cases {
            assert_eq!(words(amount), expected, "{amount}");
        }
    }

    #[test]
    fn dollars_and_limits() {
        let one = amount_in_words(Decimal::ONE, DOLARES);
        assert_eq!(one.as_deref(), Some("un dólar con 00/100"));
        let many = amount_in_words(
            Decimal::from(3),
            CurrencyName::of("USD").unwrap_or(LEMPIRAS),
        );
        assert_eq!(many.as_deref(), Some("tres dólares con 00/100"));
        assert_eq!(amount_in_words(Decimal::from(LIMIT), LEMPIRAS), None);
        assert_eq!(CurrencyName::of("EUR"), None);
    }
}
