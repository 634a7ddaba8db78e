//! Periodic tasks: group admins read and change them; schedulers pick the
//! change up through LISTEN/NOTIFY.

use crate::query::Query;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use erp::Erp;
use erp::schedules::{PeriodicTask, PeriodicTaskPatch, TaskRun};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

#[derive(Serialize, ToSchema)]
pub struct PeriodicTaskDto {
    pub id: Uuid,
    pub name: String,
    pub task: String,
    /// Cron expression: five fields, or six with seconds first.
    pub cron: String,
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
    pub enabled: bool,
    /// Send it back with a change; a stale one is a 409.
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<PeriodicTask> for PeriodicTaskDto {
    fn from(t: PeriodicTask) -> Self {
        PeriodicTaskDto {
            id: t.id,
            name: t.name,
            task: t.task,
            cron: t.cron,
            args: t.args,
            enabled: t.enabled,
            version: t.version,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodicTaskPatchDto {
    #[serde(deserialize_with = "erp::whole_number::i32")]
    pub version: i32,
    pub cron: Option<String>,
    pub enabled: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub args: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskRunDto {
    pub tick_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

impl From<TaskRun> for TaskRunDto {
    fn from(r: TaskRun) -> Self {
        TaskRunDto {
            tick_at: r.tick_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct RunsQuery {
    /// At most this many runs, newest first (1–500, default 50).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/periodic-tasks", tag = "schedules",
    responses((status = 200, body = [PeriodicTaskDto]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<PeriodicTaskDto>>> {
    Ok(Json(
        erp::schedules::list(&erp.db, &caller.user)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Change cron, arguments or enabled; applies to running schedulers at once.
#[utoipa::path(patch, path = "/api/v1/periodic-tasks/{id}", tag = "schedules", request_body = PeriodicTaskPatchDto,
    params(("id" = Uuid, Path, description = "task id")),
    responses((status = 200, body = PeriodicTaskDto),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<PeriodicTaskPatchDto>,
) -> ApiResult<Json<PeriodicTaskDto>> {
    let patch = PeriodicTaskPatch {
        version: body.version,
        cron: body.cron,
        enabled: body.enabled,
        args: body.args,
    };
    Ok(Json(
        erp::schedules::update(&erp.db, &caller.user, id, patch)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/periodic-tasks/{id}/runs", tag = "schedules",
    params(("id" = Uuid, Path, description = "task id"), RunsQuery),
    responses((status = 200, body = [TaskRunDto])))]
async fn runs(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<RunsQuery>,
) -> ApiResult<Json<Vec<TaskRunDto>>> {
    let runs = erp::schedules::runs(&erp.db, &caller.user, id, q.limit.unwrap_or(50)).await?;
    Ok(Json(runs.into_iter().map(Into::into).collect()))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(update))
        .routes(routes!(runs))
}
