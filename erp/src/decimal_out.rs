//! How decimals leave in answers: the same figure always written the same
//! way. PostgreSQL's zero reaches us without its scale (sqlx reads a
//! `numeric` zero as a bare `0`), so a zero amount came out "0" beside
//! "183750.00"; and rates kept their column's six places ("24.650000").
//! Money is written with 2 places when zero, quantities, unit costs and
//! tax rates with 4; other figures keep the places they were stored with.
//! Exchange rates are written without trailing zeros ("24.65", "1").
//! Used with `#[serde(serialize_with = …)]` on the output structs.

use rust_decimal::Decimal;
use serde::Serializer;

fn with_zero_scale<S: Serializer>(d: &Decimal, places: u32, s: S) -> Result<S::Ok, S::Error> {
    if d.is_zero() {
        let mut zero = Decimal::ZERO;
        zero.rescale(places);
        s.collect_str(&zero)
    } else {
        s.collect_str(d)
    }
}

/// Amounts of money: "0.00" for zero.
pub fn money<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    with_zero_scale(d, 2, s)
}

/// Quantities, unit costs and tax rates: "0.0000" for zero.
pub fn four_places<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    with_zero_scale(d, 4, s)
}

/// Exchange rates: no trailing zeros.
pub fn rate<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.normalize())
}

macro_rules! optional {
    ($name:ident, $inner:ident) => {
        pub fn $name<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => $inner(d, s),
                None => s.serialize_none(),
            }
        }
    };
}
optional!(option_money, money);
optional!(option_four_places, four_places);
optional!(option_rate, rate);

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    #[derive(serde::Serialize)]
    struct Out {
        #[serde(serialize_with = "super::money")]
        credit: Decimal,
        #[serde(serialize_with = "super::money")]
        debit: Decimal,
        #[serde(serialize_with = "super::four_places")]
        quantity: Decimal,
        #[serde(serialize_with = "super::rate")]
        exchange_rate: Decimal,
        #[serde(serialize_with = "super::option_money")]
        withheld: Option<Decimal>,
    }

    #[test]
    fn zero_has_the_places_of_its_kind_and_rates_no_trailing_zeros() {
        let d = |t: &str| Decimal::from_str(t).expect("decimal");
        let out = Out {
            credit: Decimal::ZERO,
            debit: d("183750.00"),
            quantity: Decimal::ZERO,
            exchange_rate: d("24.650000"),
            withheld: None,
        };
        assert_eq!(
            serde_json::to_value(&out).expect("json"),
            serde_json::json!({"credit": "0.00", "debit": "183750.00", "quantity": "0.0000",
                "exchange_rate": "24.65", "withheld": null})
        );
    }
}
