//! Periodic tasks (the replacement for Celery beat's database schedule).
//!
//! The table is the source of truth; a trigger notifies
//! [`CHANGED_CHANNEL`] on every change and schedulers reload.

mod cron;

pub use cron::{next_after, parse_cron};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit;
use crate::db::{Db, Tenant};
use crate::roles::{Action, Resource};
use crate::{Error, ErrorKind, Result, SessionUser, companies};

pub const CHANGED_CHANNEL: &str = "periodic_tasks_changed";

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, PartialEq)]
pub struct PeriodicTask {
    pub id: Uuid,
    pub name: String,
    pub task: String,
    pub cron: String,
    pub args: serde_json::Value,
    pub enabled: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// A partial update; `version` must match the stored one (optimistic concurrency).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodicTaskPatch {
    #[serde(deserialize_with = "crate::whole_number::i32")]
    pub version: i32,
    pub cron: Option<String>,
    pub enabled: Option<bool>,
    pub args: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, PartialEq)]
pub struct TaskRun {
    pub task_id: Uuid,
    pub tick_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

/// The columns of [`PeriodicTask`], as a literal so queries stay `&'static str`.
macro_rules! columns {
    () => {
        "id, name, task, cron, args, enabled, version, updated_at"
    };
}

/// Every task, as the scheduler loads them (no user: group-wide configuration).
pub async fn load_all(db: &Db) -> Result<Vec<PeriodicTask>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM periodic_tasks ORDER BY name"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Group-wide background work (periodic tasks, the job queue) is for those
/// who may change the schedules: group admins.
pub async fn require_manager(db: &Db, user: &SessionUser) -> Result<()> {
    let company = user.company_id.ok_or_else(Error::forbidden)?;
    if companies::role_in(db, user.user_id, company)
        .await?
        .can(Resource::Schedules, Action::Update)
    {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<PeriodicTask>> {
    require_manager(db, user).await?;
    load_all(db).await
}

pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    patch: PeriodicTaskPatch,
) -> Result<PeriodicTask> {
    require_manager(db, user).await?;
    if let Some(cron) = &patch.cron {
        parse_cron(cron)?;
    }
    if let Some(args) = &patch.args
        && !args.is_object()
    {
        return Err(Error::validation(
            "args_not_object",
            "/args",
            "args must be a JSON object",
        ));
    }
    let mut tx = db.tenant(&Tenant::user(user.user_id)).await?;
    let updated: Option<PeriodicTask> = sqlx::query_as(concat!(
        "UPDATE periodic_tasks
            SET cron = coalesce($3, cron), enabled = coalesce($4, enabled), args = coalesce($5, args),
                version = version + 1, updated_at = now()
          WHERE id = $1 AND version = $2
         RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(patch.version)
    .bind(&patch.cron)
    .bind(patch.enabled)
    .bind(&patch.args)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(task) = updated else {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM periodic_tasks WHERE id = $1)")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        return Err(if exists {
            Error::new(
                ErrorKind::Conflict,
                "stale_version",
                "the task changed since you read it; reload and retry",
            )
        } else {
            Error::not_found("periodic_task_not_found")
        });
    };
    audit::record(
        &mut tx,
        audit::Entry {
            company_id: None,
            user_id: Some(user.user_id),
            action: "update",
            entity: "periodic_task",
            entity_id: id.to_string(),
            detail: serde_json::json!({ "cron": task.cron, "enabled": task.enabled, "args": task.args }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(task)
}

/// Runs of one task, newest first.
pub async fn runs(db: &Db, user: &SessionUser, id: Uuid, limit: i64) -> Result<Vec<TaskRun>> {
    require_manager(db, user).await?;
    Ok(sqlx::query_as(
        "SELECT task_id, tick_at, started_at, finished_at, outcome FROM periodic_task_runs
          WHERE task_id = $1 ORDER BY tick_at DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit.clamp(1, 500))
    .fetch_all(db.pool())
    .await?)
}

/// The worker records each tick it runs.
/// Whether the tick has run already (its job delivered again).
pub async fn has_run(db: &Db, task_id: Uuid, tick_at: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i32>(
        "SELECT 1 FROM periodic_task_runs WHERE task_id = $1 AND tick_at = $2",
    )
    .bind(task_id)
    .bind(tick_at)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

pub async fn record_run(
    db: &Db,
    task_id: Uuid,
    tick_at: DateTime<Utc>,
    outcome: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO periodic_task_runs (task_id, tick_at, finished_at, outcome) VALUES ($1, $2, now(), $3)
         ON CONFLICT (task_id, tick_at) DO NOTHING",
    )
    .bind(task_id)
    .bind(tick_at)
    .bind(outcome)
    .execute(db.pool())
    .await?;
    Ok(())
}
