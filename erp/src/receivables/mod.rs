//! What customers owe: payments and their allocation to invoices, the
//! customer statement and the aged receivables. Balances are read from the
//! `invoice_balances` view (total − posted credit notes − allocations of
//! payments not reversed), never stored, so they cannot drift.

pub mod aging;
pub mod payments;
pub mod statement;
