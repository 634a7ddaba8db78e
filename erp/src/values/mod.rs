//! Values that validate themselves at the boundary: once one exists, it is
//! well-formed, so the rest of the domain never re-checks it.

mod rtn;
mod sku;
mod vin;
mod words;

pub use rtn::Rtn;
pub use sales_totals::TaxClass;
pub use sales_totals::money::{format_amount, format_lempiras, parse_amount};
pub use sku::Sku;
pub use vin::Vin;
pub use words::{CurrencyName, DOLARES, LEMPIRAS, amount_in_words};
