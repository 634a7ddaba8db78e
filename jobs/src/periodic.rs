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
    if erp::schedules::has_run(&erp.db, run.task_id, run.tick_at).await? {
        return Ok("already run for this tick".to_owned());
    }
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
    let imports: Vec<Uuid> = sqlx::query_scalar("SELECT import_id FROM expire_import_files(now())")
        .fetch_all(erp.db.pool())
        .await?;
    let reports: Vec<Uuid> = sqlx::query_scalar("SELECT expire_report_runs(now())")
        .fetch_all(erp.db.pool())
        .await?;
    let keys = expired
        .iter()
        .filter_map(|(_, file)| file.clone())
        .chain(imports.iter().map(|id| erp::imports::file_key(*id)))
        .chain(
            reports
                .iter()
                .flat_map(|id| ["pdf", "csv"].map(|ext| erp::reports::runs::file_key(*id, ext))),
        );
    let mut removed = 0;
    for key in keys {
        // A file that is already gone counts as removed: the row said it was there.
        match erp.files.delete(&key).await {
            Ok(()) => removed += 1,
            Err(e) => log::warn!("could not remove expired file {key}: {}", e.message),
        }
    }
    Ok(format!(
        "expired {} exports, {} import files and {} report runs, removed {removed} files",
        expired.len(),
        imports.len(),
        reports.len()
    ))
}
