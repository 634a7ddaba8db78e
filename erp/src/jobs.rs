//! The seam between the domain and the job queue: the domain says what should
//! happen in the background, inside the transaction that decided it; `jobs`
//! decides how it gets there.
//!
//! [`enqueue`] writes the job into the `job_outbox` table with the caller's
//! transaction, so a job exists if and only if that transaction commits. The
//! worker role's relay moves committed rows into the Redis queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::PgConnection;
use uuid::Uuid;

/// A kind of background job: its arguments and the name it travels under.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static {
    /// The queue's name for this type; stable across releases.
    const KIND: &'static str;

    /// The idempotency key: two jobs with the same key are one job. `None`
    /// leaves each request its own job.
    fn unique_key(&self) -> Option<String> {
        None
    }
}

/// Which jobs go first when several wait. Lower levels still get a share of
/// the workers (see `jobs/src/store/fetch.lua`), so nothing starves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[repr(u8)]
pub enum Priority {
    /// Someone is watching the page for it.
    High = 0,
    #[default]
    Normal = 1,
    /// Housekeeping.
    Low = 2,
}

/// When and how urgently.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub priority: Priority,
    /// Not before this time; `None` is as soon as possible.
    pub run_at: Option<DateTime<Utc>>,
}

impl Options {
    /// As soon as possible, ahead of the rest: someone watches a page for it.
    pub fn watched() -> Options {
        Options {
            priority: Priority::High,
            run_at: None,
        }
    }
}

/// Queue `job` with the transaction `tx`: it runs only if `tx` commits.
pub async fn enqueue<J: Job>(
    tx: &mut PgConnection,
    job: &J,
    options: Options,
) -> crate::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO job_outbox (id, kind, args, priority, run_at, unique_key)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(J::KIND)
    .bind(sqlx::types::Json(job))
    .bind(options.priority as i16)
    .bind(options.run_at)
    .bind(job.unique_key())
    .execute(&mut *tx)
    .await?;
    // Delivered at commit only, so the relay wakes for committed rows.
    sqlx::query("SELECT pg_notify('job_outbox', '')")
        .execute(&mut *tx)
        .await?;
    Ok(id)
}

/// A user asked for an export; the worker should produce the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportRequested {
    pub export_id: Uuid,
    pub company_id: Uuid,
    pub user_id: Uuid,
}

impl Job for ExportRequested {
    const KIND: &'static str = "export";
    fn unique_key(&self) -> Option<String> {
        Some(format!("export:{}", self.export_id))
    }
}

/// A user confirmed a previewed CSV import; the worker should write its rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportRequested {
    pub import_id: Uuid,
    pub kind: crate::imports::Kind,
    pub company_id: Uuid,
    pub user_id: Uuid,
}

impl Job for ImportRequested {
    const KIND: &'static str = "import";
    fn unique_key(&self) -> Option<String> {
        Some(format!("import:{}", self.import_id))
    }
}
