//! Schemas for input fields whose rules the derive cannot read from the
//! Rust type: text the API requires after trimming, and strings limited to
//! a list the domain keeps in a constant. The OpenAPI document says what
//! the checks in `validate` and the domain enforce, so a client (and
//! schemathesis, in `contract::`) knows a request is well formed before
//! sending it. Used as `#[schema(schema_with = …)]`.

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use crate::numbers::{self, Bounds};

/// A character `str::trim` keeps: anything but Unicode White_Space, spelt
/// out because `\s` differs between regex engines (ECMA's has U+FEFF, not
/// U+0085; Python's has U+001C–U+001F).
pub const NOT_BLANK: &str =
    "[^\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

/// Text that must hold something besides white space, at most `MAX`
/// characters (the API trims it, then counts).
pub fn text<const MAX: usize>() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NOT_BLANK))
        .max_length(Some(MAX))
        .build()
}

/// An e-mail address as `Checks::email` takes it, or empty: something, an
/// `@`, and a domain with a dot; no white space; at most 254 characters.
pub fn email() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^([^@\\s]+@[^\\s]*\\.[^\\s]*)?$"))
        .max_length(Some(254))
        .build()
}

/// An e-mail address that must be given.
pub fn required_email() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[^@\\s]+@[^\\s]*\\.[^\\s]*$"))
        .max_length(Some(254))
        .build()
}

/// A decimal written as a string within `bounds` (the ones the checks
/// use): no sign, no exponent, no leading zeros, the form every answer
/// writes. The API also takes a JSON number.
fn decimal(bounds: Bounds) -> Object {
    let Bounds {
        positive,
        digits,
        places,
    } = bounds;
    let fraction = format!("(?:\\.[0-9]{{1,{places}}})?");
    let whole = format!("[1-9][0-9]{{0,{}}}", digits - 1);
    let pattern = if positive {
        // A whole part that is not zero, or zero and a fraction ending in
        // a digit that is not.
        format!("^(?:{whole}{fraction}|0\\.[0-9]{{0,{}}}[1-9])$", places - 1)
    } else {
        format!("^(?:0|{whole}){fraction}$")
    };
    decimal_string(pattern)
}

/// A decimal string matching `pattern`, saying what else the API takes.
fn decimal_string(pattern: impl Into<String>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(
            "A decimal written as a string (\"12.50\"); the same number as a JSON number is taken too.",
        ))
        .build()
}

/// The schema of each kind of decimal in [`crate::numbers`], by its name.
macro_rules! decimals {
    ($($name:ident = $bounds:ident),* $(,)?) => {
        $(
            #[doc = concat!("[`numbers::", stringify!($bounds), "`] as a decimal string.")]
            pub fn $name() -> Object {
                decimal(numbers::$bounds)
            }
        )*
    };
}

decimals!(
    quantity = QUANTITY,
    counted = COUNTED,
    amount = AMOUNT,
    amount_or_zero = AMOUNT_OR_ZERO,
    money = MONEY,
    money_or_zero = MONEY_OR_ZERO,
    exchange_rate = EXCHANGE_RATE,
);

/// A tax rate as a fraction: from 0 to below 1, four places.
pub fn tax_rate() -> Object {
    decimal_string("^0(?:\\.[0-9]{1,4})?$")
}

/// A percentage from 0 to 100, two places.
pub fn percentage() -> Object {
    decimal_string("^(?:100(?:\\.0{1,2})?|[1-9]?[0-9](?:\\.[0-9]{1,2})?)$")
}

/// One of `values`.
pub fn one_of(values: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// The same rules for an optional field, which the API also takes as
/// `null` (read as absent): `or_null::quantity` beside `quantity`.
pub mod or_null {
    use utoipa::openapi::schema::{Object, SchemaType, Type};

    fn nullable(mut schema: Object) -> Object {
        schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
        schema
    }

    macro_rules! or_null {
        ($($rule:ident),*) => {
            $(
                #[doc = concat!("[`super::", stringify!($rule), "`], or null.")]
                pub fn $rule() -> Object {
                    nullable(super::$rule())
                }
            )*
        };
    }

    or_null!(
        quantity,
        amount_or_zero,
        money,
        exchange_rate,
        tax_rate,
        percentage
    );

    /// [`super::text`], or null.
    pub fn text<const MAX: usize>() -> Object {
        nullable(super::text::<MAX>())
    }

    /// [`crate::values::Rtn::schema`], or null.
    pub fn rtn() -> Object {
        nullable(crate::values::Rtn::schema())
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use crate::numbers::{self, Bounds};

    /// The document's pattern for a kind of decimal takes a number written
    /// the way answers write it exactly when the checks admit that number.
    #[test]
    fn decimal_patterns_say_what_the_checks_admit() {
        let kinds = [
            numbers::QUANTITY,
            numbers::COUNTED,
            numbers::AMOUNT,
            numbers::AMOUNT_OR_ZERO,
            numbers::MONEY,
            numbers::MONEY_OR_ZERO,
            numbers::EXCHANGE_RATE,
        ];
        let samples = [
            "0",
            "0.01",
            "0.0001",
            "0.00001",
            "0.000001",
            "0.0000001",
            "1",
            "12.5",
            "12.55",
            "12.555",
            "12.5555",
            "12.55555",
            "99999",
            "999999",
            "1000000",
            "99999999",
            "99999999.9999",
            "100000000",
            "999999999999",
            "999999999999.99",
            "1000000000000",
            "10000000000000000",
        ];
        for bounds in kinds {
            let Some(pattern) = super::decimal(bounds).pattern else {
                panic!("{bounds:?} has no pattern");
            };
            let re = regex::Regex::new(&pattern).expect("a valid pattern");
            for text in samples {
                let value: Decimal = text.parse().expect("a decimal");
                assert_eq!(
                    re.is_match(text),
                    Bounds::admits(bounds, value),
                    "{text} under {bounds:?}"
                );
            }
        }
    }

    /// `NOT_BLANK` matches exactly the characters `trim` keeps.
    #[test]
    fn not_blank_is_what_trim_keeps() {
        let class = regex::Regex::new(&format!("^{}$", super::NOT_BLANK)).expect("a valid class");
        for c in (0..0x11000u32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            assert_eq!(
                class.is_match(c.encode_utf8(&mut buf)),
                !c.is_whitespace(),
                "U+{:04X}",
                c as u32
            );
        }
    }
}
