//! Purchasing: orders to suppliers (received by stock receipts), the
//! supplier's bill with the SAR's purchase-side fields and its withholding
//! receipt, and paying suppliers.

pub mod bills;
pub mod book;
mod cais;
pub mod dmc;
pub mod orders;
pub mod payments;
pub mod purchase_receipt_print;
pub mod purchase_receipts;
pub mod withholding;
pub mod withholding_print;
