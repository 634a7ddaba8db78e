//! A sales document by the number people read off it: its fiscal number
//! (`001-001-01-00000012`, or the part a clerk types: `12`, `01-00000012`)
//! or its reference before it had one (`FAC-00012`, `cot12`). One reading
//! for the document list's `number` filter and the search box.

use sqlx::{Postgres, QueryBuilder};

use super::transitions::Kind;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Number {
    /// A reference: its kind and running number.
    Reference(Kind, i32),
    /// Digits and dashes: within the fiscal number, or the running number.
    Digits(String),
}

/// What `text` names; None for an empty text, an error for anything that
/// is not a number of ours.
pub fn parse(pointer: &str, text: &str) -> Result<Option<Number>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let upper = text.to_ascii_uppercase();
    for (prefix, kind) in [
        ("COT", Kind::Quote),
        ("PED", Kind::Order),
        ("FAC", Kind::Invoice),
        ("NC", Kind::CreditNote),
    ] {
        if let Some(rest) = upper.strip_prefix(prefix) {
            let digits = rest.strip_prefix('-').unwrap_or(rest);
            if let Ok(n) = digits.parse::<i32>()
                && digits.len() <= 9
                && digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Ok(Some(Number::Reference(kind, n)));
            }
        }
    }
    if text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Ok(Some(Number::Digits(text.to_owned())));
    }
    Err(Error::validation(
        "invalid_number",
        pointer,
        "a fiscal number (001-001-01-00000012, or part of it) or a reference (FAC-00012)",
    ))
}

/// ` AND (…)` on the documents aliased `d`.
pub fn push(qb: &mut QueryBuilder<Postgres>, number: &Number) {
    match number {
        Number::Reference(kind, n) => {
            qb.push(" AND d.kind = ")
                .push_bind(kind.as_str())
                .push(" AND d.doc_no = ")
                .push_bind(*n);
        }
        Number::Digits(digits) => {
            qb.push(" AND (d.fiscal_number LIKE '%' || ")
                .push_bind(digits.clone())
                .push(" || '%'");
            if let Ok(n) = digits.parse::<i32>() {
                qb.push(" OR d.doc_no = ").push_bind(n);
            }
            qb.push(")");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_fiscal_digits_are_told_apart() {
        assert_eq!(
            parse("/number", "fac-00012").ok().flatten(),
            Some(Number::Reference(Kind::Invoice, 12))
        );
        assert_eq!(
            parse("/number", "NC7").ok().flatten(),
            Some(Number::Reference(Kind::CreditNote, 7))
        );
        assert_eq!(
            parse("/number", " 01-00000012 ").ok().flatten(),
            Some(Number::Digits("01-00000012".into()))
        );
        assert_eq!(parse("/number", "").ok().flatten(), None);
        assert!(parse("/number", "Honda").is_err());
        assert!(
            parse("/number", "12%").is_err(),
            "no LIKE wildcards get through"
        );
    }
}
