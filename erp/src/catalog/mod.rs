//! The catalog: categories, products and the serial numbers (VINs) of
//! tracked products.

pub mod categories;
pub mod products;
pub mod products_csv;
pub mod serials;
