//! Accounting master data: the chart of accounts and the ISV tax codes. Every
//! new company starts with a Honduran small-business chart and the four tax
//! codes (seeded by the database when the company row is inserted).

pub mod accounts;
pub mod entries;
pub mod journal;
pub mod mapping;
pub(crate) mod reversal;
pub mod taxes;
pub mod trial_balance;
