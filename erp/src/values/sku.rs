//! A stock-keeping unit code: up to 40 of A–Z, 0–9 and `. _ / -`, starting
//! with a letter or digit; stored upper-case so "ab-1" and "AB-1" are one SKU.

use crate::FieldIssue;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sku(String);

impl Sku {
    pub fn parse(pointer: &str, input: &str) -> Result<Sku, FieldIssue> {
        let sku = input.trim().to_ascii_uppercase();
        let first_ok = sku
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = sku
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "._/-".contains(c));
        if first_ok && rest_ok && sku.len() <= 40 {
            Ok(Sku(sku))
        } else {
            Err(FieldIssue::new(
                pointer,
                "invalid_sku",
                "a SKU has 1 to 40 letters, digits, '.', '_', '/' or '-', starting with a letter or digit",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_cased_and_checked() {
        assert_eq!(
            Sku::parse("/sku", " moto-125 ").map(|s| s.0),
            Ok("MOTO-125".to_owned())
        );
        for bad in ["", "-X", "A B", "Ñ1", &"A".repeat(41)] {
            assert!(Sku::parse("/sku", bad).is_err(), "{bad:?}");
        }
    }
}
