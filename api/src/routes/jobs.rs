//! The job queue for group admins: what waits, runs, is due later and is
//! dead (with retry and discard). The same figures as `/metrics`, and the
//! actions of `appliance admin jobs`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use erp::Erp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Caller;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

/// Rows per list.
const LIST: usize = 100;

#[derive(Serialize, ToSchema)]
pub struct QueueDto {
    /// Worker processes alive (a heartbeat within 30 s).
    pub workers: u64,
    pub waiting: u64,
    pub running: u64,
    pub scheduled: u64,
    pub dead: u64,
    pub running_jobs: Vec<JobDto>,
    pub scheduled_jobs: Vec<JobDto>,
}

#[derive(Serialize, ToSchema)]
pub struct JobDto {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub attempts: u32,
    pub max_attempts: u32,
    pub worker: Option<String>,
    /// When the lease ends (running) or when it is due (scheduled).
    pub at: DateTime<Utc>,
    /// The last attempt's error, for a retry waiting.
    pub error: Option<String>,
}

impl From<jobs::queue::JobRow> for JobDto {
    fn from(r: jobs::queue::JobRow) -> Self {
        JobDto {
            id: r.id,
            kind: r.kind,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            worker: r.worker,
            at: r.at,
            error: r.error,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeadJobDto {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub attempts: u32,
    pub died_at: DateTime<Utc>,
    pub error: String,
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
}

impl From<jobs::queue::DeadJob> for DeadJobDto {
    fn from(d: jobs::queue::DeadJob) -> Self {
        DeadJobDto {
            args: serde_json::from_str(&d.args).unwrap_or(serde_json::Value::String(d.args)),
            id: d.id,
            kind: d.kind,
            attempts: d.attempts,
            died_at: d.died_at,
            error: d.error,
        }
    }
}

fn queue(erp: &Erp) -> jobs::Queue {
    jobs::Queue::on(erp.kv.pool.clone())
}

fn dead_not_found() -> Problem {
    Problem::from(erp::Error::not_found("dead_job_not_found"))
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs",
    responses((status = 200, body = QueueDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn overview(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<QueueDto>> {
    erp::schedules::require_manager(&erp.db, &caller.user).await?;
    let q = queue(&erp);
    let depth = q.depth().await.map_err(erp::Error::internal)?;
    let running = q.running(LIST).await.map_err(erp::Error::internal)?;
    let scheduled = q.scheduled(LIST).await.map_err(erp::Error::internal)?;
    Ok(Json(QueueDto {
        workers: depth.workers,
        waiting: depth.waiting,
        running: depth.running,
        scheduled: depth.scheduled,
        dead: depth.dead,
        running_jobs: running.into_iter().map(Into::into).collect(),
        scheduled_jobs: scheduled.into_iter().map(Into::into).collect(),
    }))
}

/// The most recent dead jobs (every attempt failed), newest first.
#[utoipa::path(get, path = "/api/v1/jobs/dead", tag = "jobs",
    responses((status = 200, body = [DeadJobDto]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn dead(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<DeadJobDto>>> {
    erp::schedules::require_manager(&erp.db, &caller.user).await?;
    let dead = queue(&erp).dead(LIST).await.map_err(erp::Error::internal)?;
    Ok(Json(dead.into_iter().map(Into::into).collect()))
}

/// Run a dead job again, its attempts counted from zero.
#[utoipa::path(post, path = "/api/v1/jobs/dead/{id}/retry", tag = "jobs",
    params(("id" = String, Path, description = "job id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn retry(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    decide(&erp, &caller, &id, true).await
}

/// Delete a dead job for good.
#[utoipa::path(delete, path = "/api/v1/jobs/dead/{id}", tag = "jobs",
    params(("id" = String, Path, description = "job id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn discard(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    decide(&erp, &caller, &id, false).await
}

/// Retry or discard dead job `id`, for a group admin.
async fn decide(erp: &Erp, caller: &Caller, id: &str, retry: bool) -> ApiResult<StatusCode> {
    erp::schedules::require_manager(&erp.db, &caller.user).await?;
    let who = format!("user {}", caller.user.user_id);
    if queue(erp)
        .settle_dead(id, retry, &who)
        .await
        .map_err(erp::Error::internal)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(dead_not_found())
    }
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(dead))
        .routes(routes!(retry))
        .routes(routes!(discard))
}
