//! Sales: quotes, orders, invoices and credit notes (issue 4, being built).
//! So far: how a document's totals are computed.

pub mod totals;
