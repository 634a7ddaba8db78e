//! What a periodic task does when its tick comes.

use chrono::{DateTime, Utc};
use erp::Erp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One tick of one periodic task, as queued by the scheduler.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeriodicRun {
    pub task_id: Uuid,
    pub task: String,
    pub tick_at: DateTime<Utc>,
    pub args: serde_json::Value,
}

impl PeriodicRun {
    /// The idempotency key: the same task and tick time from any scheduler.
    pub fn key(&self) -> String {
        format!(
            "erp:tick:{}:{}",
            self.task_id,
            self.tick_at.timestamp_millis()
        )
    }
}

/// Run the task and record the run; returns the outcome text.
pub async fn execute(erp: &Erp, run: &PeriodicRun) -> anyhow::Result<String> {
    let outcome = match run.task.as_str() {
        "purge_expired_exports" => purge_expired_exports(erp).await?,
        other => anyhow::bail!("unknown periodic task {other:?}"),
    };
    erp::schedules::record_run(&erp.db, run.task_id, run.tick_at, &outcome).await?;
    Ok(outcome)
}

/// Mark finished exports past their expiry as expired and delete their files.
async fn purge_expired_exports(erp: &Erp) -> anyhow::Result<String> {
    let expired: Vec<(Uuid, Option<String>)> =
        sqlx::query_as("SELECT export_id, file_name FROM expire_exports(now())")
            .fetch_all(erp.db.pool())
            .await?;
    let mut removed = 0;
    for (_, file) in &expired {
        if let Some(file) = file {
            match tokio::fs::remove_file(erp.files_dir.join(file)).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => log::warn!("could not remove expired export {file}: {e}"),
            }
        }
    }
    Ok(format!(
        "expired {} exports, removed {removed} files",
        expired.len()
    ))
}
