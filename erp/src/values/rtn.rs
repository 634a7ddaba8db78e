//! The RTN (Registro Tributario Nacional): 14 digits. People write it with
//! dashes or spaces ("0801-1990-123456"); we store the digits only.

use std::fmt;

use crate::FieldIssue;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rtn(String);

impl Rtn {
    /// What `parse` takes: 14 digits, dashes and spaces anywhere.
    pub const PATTERN: &str = "^[- ]*(?:[0-9][- ]*){14}$";

    /// [`Self::PATTERN`] as a schema, or empty for none.
    #[cfg(feature = "openapi")]
    pub fn schema() -> utoipa::openapi::Object {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(format!("^$|{}", Self::PATTERN)))
            .build()
    }

    pub fn parse(pointer: &str, input: &str) -> Result<Rtn, FieldIssue> {
        let digits: String = input.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Rtn(digits))
        } else {
            Err(FieldIssue::new(
                pointer,
                "invalid_rtn",
                "an RTN has exactly 14 digits",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Rtn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_and_spaces_are_dropped() {
        let rtn = Rtn::parse("/rtn", "0801-1990-123456").map(|r| r.0);
        assert_eq!(rtn, Ok("08011990123456".to_owned()));
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        for bad in ["", "0801199012345", "080119901234567", "0801199012345X"] {
            let err = Rtn::parse("/rtn", bad).err().map(|e| e.code);
            assert_eq!(err, Some("invalid_rtn"), "{bad:?}");
        }
    }

    #[test]
    fn the_documented_pattern_takes_what_parse_takes() {
        let pattern = regex::Regex::new(Rtn::PATTERN).expect("a valid pattern");
        for input in [
            "08011990123456",
            "0801-1990-123456",
            " 0801 1990 123456 ",
            "-08011990123456-",
            "0801199012345",
            "080119901234567",
            "0801199012345X",
            "０801199012345６",
            "",
        ] {
            let parsed = Rtn::parse("/rtn", input).is_ok();
            assert_eq!(pattern.is_match(input), parsed, "{input:?}");
        }
    }
}
