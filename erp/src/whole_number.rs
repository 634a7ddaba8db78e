//! Whole numbers in request bodies as JSON has them: `3` and `3.0` are the
//! same number (JSON Schema's `integer` admits both, and clients that keep
//! numbers as doubles send the second); `3.5` or a number out of range is
//! refused as before. Used with `#[serde(deserialize_with = …)]` on the
//! integer fields of inputs.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

struct Whole<T>(std::marker::PhantomData<T>);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Visitor<'de> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a whole number of {}", std::any::type_name::<T>())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    /// A query string's value is text.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        match v.parse::<i64>() {
            Ok(n) => self.visit_i64(n),
            Err(_) => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // Exactly representable as i64 and without a fraction.
        if v.fract() == 0.0 && v >= -(2f64.powi(63)) && v < 2f64.powi(63) {
            self.visit_i64(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    d.deserialize_any(Whole::<i32>(std::marker::PhantomData))
}

struct Maybe;

impl<'de> Visitor<'de> for Maybe {
    type Value = Option<i32>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<i32>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<i32>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<i32>, D::Error> {
        i32(d).map(Some)
    }
}

/// For `Option<i32>` fields (with `#[serde(default)]` when they may be left out).
pub fn option_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    d.deserialize_option(Maybe)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Input {
        #[serde(deserialize_with = "super::i32")]
        version: i32,
        #[serde(default, deserialize_with = "super::option_i32")]
        year: Option<i32>,
    }

    fn read(json: &str) -> Result<Input, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_point_zero_and_nothing_else_changes() {
        assert_eq!(
            read(r#"{"version": 3.0, "year": 2024.0}"#),
            Ok(Input {
                version: 3,
                year: Some(2024)
            })
        );
        assert_eq!(
            read(r#"{"version": 3}"#),
            Ok(Input {
                version: 3,
                year: None
            })
        );
        assert_eq!(
            read(r#"{"version": 3, "year": null}"#),
            Ok(Input {
                version: 3,
                year: None
            })
        );
        // As text too: a query string's values are text.
        assert_eq!(
            read(r#"{"version": "3"}"#),
            Ok(Input {
                version: 3,
                year: None
            })
        );
        for bad in [
            r#"{"version": 3.5}"#,
            r#"{"version": 3000000000}"#,
            r#"{"version": "3x"}"#,
        ] {
            let e = read(bad).expect_err(bad);
            assert!(e.contains("whole number"), "{bad}: {e}");
        }
    }
}
