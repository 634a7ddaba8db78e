//! Reports built in the background through the API: ask for a run with a
//! report's filters (202), follow it, fetch its PDF or CSV when done. The
//! same runs as the "build in the background" button under each report.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use erp::Erp;
use erp::reports::runs::{self, ReportRun};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequestDto {
    /// The report's name, as its page's address has it.
    #[schema(schema_with = report_kind_schema)]
    pub kind: String,
    /// The report's filters as its page's address takes them: `period`
    /// (YYYY-MM), `companies` (ids, comma-separated), `as_of`, `party_id`,
    /// `from`, `to`. Missing ones take the page's defaults.
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub query: serde_json::Value,
    /// es-HN or en [default: the caller's language].
    pub lang: Option<String>,
}

fn report_kind_schema() -> utoipa::openapi::Object {
    erp::schema::one_of(&erp::reports::KINDS)
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

/// Ask for a run (202: queued; follow it at its id).
#[utoipa::path(post, path = "/api/v1/reports/runs", tag = "reports", request_body = RunRequestDto,
    responses((status = 202, body = ReportRun),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(body): json::Json<RunRequestDto>,
) -> ApiResult<(StatusCode, Json<ReportRun>)> {
    let lang = body.lang.unwrap_or_else(|| caller.user.locale.clone());
    let run = runs::request(&erp, &caller.user, &body.kind, body.query, &lang).await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

/// The caller's latest runs in the active company.
#[utoipa::path(get, path = "/api/v1/reports/runs", tag = "reports", responses((status = 200, body = [ReportRun])))]
async fn list(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<ReportRun>>> {
    Ok(Json(runs::list(&erp, &caller.user).await?))
}

/// One of the caller's runs (404 for anyone else's).
#[utoipa::path(get, path = "/api/v1/reports/runs/{id}", tag = "reports",
    params(("id" = Uuid, Path, description = "run id")),
    responses((status = 200, body = ReportRun), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_one(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ReportRun>> {
    Ok(Json(runs::get(&erp, &caller.user, id).await?))
}

/// A finished run's file: `pdf` or `csv` (409 while it is not ready).
#[utoipa::path(get, path = "/api/v1/reports/runs/{id}/{format}", tag = "reports",
    params(("id" = Uuid, Path, description = "run id"), ("format" = String, Path, description = "pdf or csv")),
    responses((status = 200, content_type = "application/pdf"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn file(
    State(erp): State<Erp>,
    caller: Caller,
    Path((id, format)): Path<(Uuid, String)>,
) -> ApiResult<Response> {
    Ok(super::common::download(
        runs::read_file(&erp, &caller.user, id, &format).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(request))
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(file))
}
