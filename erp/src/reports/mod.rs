//! Reports built in the background: a run is asked for with its report's
//! filters, built by a worker into a PDF and a CSV, and followed on its page;
//! when it is ready the person who asked gets a notification in the app and
//! an e-mail with the link.
//!
//! The report's table is drawn by the web UI (its labels are the UI's); the
//! worker reaches it through [`Builder`], which the appliance provides.

pub mod notifications;
pub mod runs;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jobs::Job;
use crate::{Erp, SessionUser};

/// The reports a run can build, by the name their pages' addresses use.
pub const KINDS: [&str; 10] = [
    "sales-book",
    "purchase-book",
    "stock-valuation",
    "stock-on-hand",
    "stock-units",
    "unit-history",
    "unit-margins",
    "trial-balance",
    "aged-receivables",
    "statement",
];

/// A built report's files.
pub struct Files {
    pub title: String,
    /// File names are `<stem>.pdf` and `<stem>.csv`.
    pub stem: String,
    pub pdf: Vec<u8>,
    pub csv: Vec<u8>,
}

/// Builds a report as `user` would see it on its page, in `lang`.
#[async_trait::async_trait]
pub trait Builder: Send + Sync {
    async fn build(
        &self,
        erp: &Erp,
        user: &SessionUser,
        kind: &str,
        query: &serde_json::Value,
        lang: &str,
    ) -> crate::Result<Files>;
}

/// The job: build run `run_id` as `user`, who asked for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportRequested {
    pub run_id: Uuid,
    pub user: SessionUser,
}

impl Job for ReportRequested {
    const KIND: &'static str = "report";
    fn unique_key(&self) -> Option<String> {
        Some(format!("report:{}", self.run_id))
    }
}
