//! Inventory: where stock is (locations) and, as it grows, the moves between
//! them, vehicles by VIN and their costs.

pub mod locations;
