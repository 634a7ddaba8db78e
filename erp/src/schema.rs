//! Schemas for input fields whose rules the derive cannot read from the
//! Rust type: text the API requires after trimming, and strings limited to
//! a list the domain keeps in a constant. The OpenAPI document says what
//! the checks in `validate` and the domain enforce, so a client (and
//! schemathesis, in `contract::`) knows a request is well formed before
//! sending it. Used as `#[schema(schema_with = …)]`.

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

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

/// A decimal written as a string, as the API's checks take it: more than 0
/// (`positive`) or 0 and more, at most `digits` before the point and
/// `places` after. No sign, no exponent, no leading zeros: the form every
/// answer writes. The API also takes a JSON number.
fn decimal(positive: bool, digits: u32, places: u32) -> Object {
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

/// A quantity moved or sold: more than 0, below 100,000,000, four places.
pub fn quantity() -> Object {
    decimal(true, 8, 4)
}

/// A quantity counted: 0 and more, below 100,000,000, four places.
pub fn counted() -> Object {
    decimal(false, 8, 4)
}

/// A cost or price: more than 0, below a billion lempiras, four places.
pub fn amount() -> Object {
    decimal(true, 12, 4)
}

/// A cost or price that may be 0.
pub fn amount_or_zero() -> Object {
    decimal(false, 12, 4)
}

/// Money paid or entered: more than 0, two places.
pub fn money() -> Object {
    decimal(true, 12, 2)
}

/// Money that may be 0 (a sale price, a credit limit), two places.
pub fn money_or_zero() -> Object {
    decimal(false, 12, 2)
}

/// Lempiras per dollar: more than 0, six places.
pub fn exchange_rate() -> Object {
    decimal(true, 6, 6)
}

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
