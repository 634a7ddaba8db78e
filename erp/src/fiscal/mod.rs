//! SAR fiscal numbering: the authorized ranges (CAI) of each emission point
//! and document type, and drawing the next number from one when a document
//! is posted.

pub mod numbering;
pub mod print;
pub mod ranges;

pub use numbering::{FiscalNumber, Issued};
