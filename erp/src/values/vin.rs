//! A vehicle identification number (ISO 3779): 17 characters, digits and
//! capital letters except I, O and Q. The North American check digit is not
//! enforced: vehicles imported to Honduras from Asia and Europe lack it.

use crate::FieldIssue;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vin(String);

impl Vin {
    pub fn parse(pointer: &str, input: &str) -> Result<Vin, FieldIssue> {
        let vin = input.trim().to_ascii_uppercase();
        let allowed =
            |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"IOQ".contains(c));
        if vin.len() == 17 && vin.chars().all(allowed) {
            Ok(Vin(vin))
        } else {
            Err(FieldIssue::new(
                pointer,
                "invalid_vin",
                "a VIN has 17 letters and digits, without I, O or Q",
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
    fn seventeen_allowed_characters_upper_cased() {
        let vin = Vin::parse("/serial", " 1hgcm82633a004352 ").map(|v| v.0);
        assert_eq!(vin, Ok("1HGCM82633A004352".to_owned()));
    }

    #[test]
    fn short_long_and_forbidden_letters_are_refused() {
        for bad in [
            "1HGCM82633A00435",
            "1HGCM82633A0043521",
            "1HGCM82633A00435I",
            "1HGCM82633A0043-2",
        ] {
            assert!(Vin::parse("/serial", bad).is_err(), "{bad:?}");
        }
    }
}
