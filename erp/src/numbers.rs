//! The kinds of decimal a request may carry, each with its bounds: one
//! definition that both the checks (`admits`) and the OpenAPI document
//! (`schema::decimal`) read, so what the document promises and what the API
//! takes cannot drift apart. The bounds keep every product and sum the
//! domain makes of them inside `Decimal` and inside the columns they are
//! stored in (numeric(18, 2) for money, numeric(12, 6) for rates).

use rust_decimal::Decimal;

/// More than 0 (`positive`) or 0 and more; fewer than `digits` digits
/// before the point (below 10^digits); at most `places` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub positive: bool,
    pub digits: u32,
    pub places: u32,
}

impl Bounds {
    pub fn admits(self, x: Decimal) -> bool {
        let low = if self.positive {
            x <= Decimal::ZERO
        } else {
            x.is_sign_negative() && !x.is_zero()
        };
        !low && x.normalize().scale() <= self.places && x < self.limit()
    }

    /// 10^digits, the first value past the bounds.
    pub fn limit(self) -> Decimal {
        Decimal::from(10_i64.pow(self.digits))
    }
}

/// A quantity moved or sold: more than 0, below 100,000,000, four places.
pub const QUANTITY: Bounds = Bounds {
    positive: true,
    digits: 8,
    places: 4,
};

/// A quantity counted: as [`QUANTITY`], and 0.
pub const COUNTED: Bounds = Bounds {
    positive: false,
    ..QUANTITY
};

/// A cost or price: more than 0, below 10^12, four places.
pub const AMOUNT: Bounds = Bounds {
    positive: true,
    digits: 12,
    places: 4,
};

/// A cost or price that may be 0.
pub const AMOUNT_OR_ZERO: Bounds = Bounds {
    positive: false,
    ..AMOUNT
};

/// Money paid or entered: more than 0, below 10^12, two places.
pub const MONEY: Bounds = Bounds {
    positive: true,
    digits: 12,
    places: 2,
};

/// Money that may be 0 (a sale price, a credit limit).
pub const MONEY_OR_ZERO: Bounds = Bounds {
    positive: false,
    ..MONEY
};

/// Lempiras per dollar: more than 0, below 1,000,000, six places
/// (numeric(12, 6)).
pub const EXCHANGE_RATE: Bounds = Bounds {
    positive: true,
    digits: 6,
    places: 6,
};

/// What a document line's quantity times its price stays below: with 500
/// lines summed, a document's total still fits numeric(18, 2). Both factors
/// within [`QUANTITY`] and [`AMOUNT_OR_ZERO`] multiply without overflowing
/// `Decimal` (below 10^20).
const LINE_GROSS_LIMIT: i64 = 100_000_000_000_000;

/// The issue for a line whose quantity times price is past
/// [`LINE_GROSS_LIMIT`], under `pointer` (the line's price), if it is.
pub(crate) fn line_too_large(
    pointer: &str,
    quantity: Decimal,
    price: Decimal,
) -> Option<crate::FieldIssue> {
    (quantity * price >= Decimal::from(LINE_GROSS_LIMIT)).then(|| {
        crate::FieldIssue::new(
            pointer,
            "line_too_large",
            "quantity times price must stay below 100,000,000,000,000",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    #[test]
    fn each_bound_is_where_its_comment_says() {
        assert!(MONEY.admits(d("999999999999.99")));
        assert!(!MONEY.admits(d("1000000000000")), "10^12 is past");
        assert!(!MONEY.admits(d("0")) && MONEY_OR_ZERO.admits(d("0")));
        assert!(MONEY.admits(d("12.50000")), "trailing zeros are not places");
        assert!(!MONEY.admits(d("12.501")));
        assert!(!MONEY_OR_ZERO.admits(d("-0.01")));
        assert!(MONEY_OR_ZERO.admits(d("-0")), "minus zero is zero");
        assert!(QUANTITY.admits(d("99999999.9999")) && !QUANTITY.admits(d("100000000")));
        assert!(COUNTED.admits(d("0")) && !QUANTITY.admits(d("0")));
        assert!(AMOUNT.admits(d("0.0001")) && !AMOUNT.admits(d("0.00001")));
        assert!(EXCHANGE_RATE.admits(d("24.651234")) && !EXCHANGE_RATE.admits(d("1000000")));
    }
}
