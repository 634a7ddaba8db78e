//! Sales: quotes, orders, invoices and credit notes.
//!
//! A quote accepted becomes an order; a confirmed order is invoiced in one or
//! more invoices; a posted invoice is corrected only by a credit note. The
//! moves are in `transitions.rs`, totals in `totals.rs`, posting (fiscal
//! number + journal entry) in `posting.rs`, the entry itself in
//! `accounting.rs`.

pub mod accounting;
pub mod book;
pub mod documents;
pub mod drafts;
pub mod moves;
pub mod numbers;
pub mod posting;
pub mod print;
pub mod transitions;

/// How a document's totals are computed (shared with the invoice form's island).
pub use sales_totals as totals;
