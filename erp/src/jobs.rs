//! The seam between the domain and the job queue: the domain says what should
//! happen in the background; `jobs` decides how it gets there.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user asked for an export; the worker should produce the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportRequested {
    pub export_id: Uuid,
    pub company_id: Uuid,
    pub user_id: Uuid,
}

/// A user confirmed a previewed CSV import; the worker should write its rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportRequested {
    pub import_id: Uuid,
    pub kind: crate::imports::Kind,
    pub company_id: Uuid,
    pub user_id: Uuid,
}

#[async_trait::async_trait]
pub trait JobSink: Send + Sync {
    async fn export_requested(&self, job: ExportRequested) -> anyhow::Result<()>;
    async fn import_requested(&self, job: ImportRequested) -> anyhow::Result<()>;
}
