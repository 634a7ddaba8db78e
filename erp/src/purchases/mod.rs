//! Purchasing: orders to suppliers (received by stock receipts), the
//! supplier's bill with the SAR's purchase-side fields and its withholding
//! receipt, and paying suppliers.

pub mod bills;
mod cais;
pub mod orders;
pub mod payments;
pub mod withholding;
