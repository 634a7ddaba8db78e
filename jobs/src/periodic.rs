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

impl erp::jobs::Job for PeriodicRun {
    const KIND: &'static str = "periodic";

    /// The same task and tick time from any scheduler is one job.
    fn unique_key(&self) -> Option<String> {
        Some(format!(
            "tick:{}:{}",
            self.task_id,
            self.tick_at.timestamp_millis()
        ))
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

/// Mark finished exports past their expiry as expired and delete their
/// files; delete the uploaded files of imports a day after they finished (or
/// were previewed and never started); the same for report runs past their
/// seven days.
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
    let imports: Vec<Uuid> = sqlx::query_scalar("SELECT import_id FROM expire_import_files(now())")
        .fetch_all(erp.db.pool())
        .await?;
    for id in &imports {
        let path = erp::imports::file_path(erp, *id);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("could not remove import file {}: {e}", path.display()),
        }
    }
    let reports: Vec<Uuid> = sqlx::query_scalar("SELECT expire_report_runs(now())")
        .fetch_all(erp.db.pool())
        .await?;
    for id in &reports {
        for ext in ["pdf", "csv"] {
            let path = erp::reports::runs::file_path(erp, *id, ext);
            match tokio::fs::remove_file(&path).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => log::warn!("could not remove report file {}: {e}", path.display()),
            }
        }
    }
    Ok(format!(
        "expired {} exports, {} import files and {} report runs, removed {removed} files",
        expired.len(),
        imports.len(),
        reports.len()
    ))
}
