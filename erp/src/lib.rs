//! The ERP domain. Knows PostgreSQL and Redis, nothing of HTTP.
//!
//! Every read or write of company data goes through [`db::Db::tenant`], which
//! opens a transaction carrying the caller's tenant settings so PostgreSQL's
//! row-level security decides what is visible.

pub mod access;
pub mod accounting;
pub mod admin;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod companies;
pub mod csv_io;
pub mod db;
pub mod decimal_out;
pub mod demo;
pub mod error;
pub mod exports;
pub mod files;
pub mod fiscal;
pub mod imports;
pub mod jobs;
pub mod kv;
pub mod mail;
pub mod messages;
pub mod numbers;
pub mod paging;
pub mod parties;
pub mod pdf;
pub mod purchases;
pub mod receivables;
pub mod records;
pub mod report_table;
pub mod reports;
pub mod roles;
pub mod sales;
pub mod schedules;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod search;
pub mod stock;
mod validate;
pub mod values;
pub mod whole_number;

pub use auth::SessionUser;
pub use db::{Db, Tenant};
pub use error::{Error, ErrorKind, FieldIssue, Result};

/// The handles every role shares: the database, Redis and where files live.
/// (Background work is queued in the database: see [`jobs::enqueue`].)
#[derive(Clone)]
pub struct Erp {
    pub db: Db,
    pub kv: kv::Kv,
    /// Where files live (exports, imports, report runs, attachments).
    /// Shared by worker and web/api.
    pub files: files::FileStore,
}
