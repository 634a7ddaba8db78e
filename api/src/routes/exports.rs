//! Exports of company data, produced by the worker.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use erp::Erp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

#[derive(Serialize, ToSchema)]
pub struct ExportDto {
    pub id: Uuid,
    pub company_id: Uuid,
    pub kind: String,
    /// queued, running, done, failed or expired.
    pub status: String,
    pub row_count: Option<i32>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<erp::exports::Export> for ExportDto {
    fn from(e: erp::exports::Export) -> Self {
        ExportDto {
            id: e.id,
            company_id: e.company_id,
            kind: e.kind,
            status: e.status,
            row_count: e.row_count,
            error: e.error,
            created_at: e.created_at,
            finished_at: e.finished_at,
            expires_at: e.expires_at,
        }
    }
}

/// Ask for a CSV of the active company's users and roles (202: queued).
#[utoipa::path(post, path = "/api/v1/exports/users-roles", tag = "exports",
    responses((status = 202, body = ExportDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn request_users_roles(
    State(erp): State<Erp>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<ExportDto>)> {
    let export = erp::exports::request_users_roles(&erp, &caller.user).await?;
    Ok((StatusCode::ACCEPTED, Json(export.into())))
}

/// The active company's recent exports.
#[utoipa::path(get, path = "/api/v1/exports", tag = "exports", responses((status = 200, body = [ExportDto])))]
async fn list(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<ExportDto>>> {
    Ok(Json(
        erp::exports::list(&erp, &caller.user)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// One export of the active company (404 for any other company's).
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "exports",
    params(("id" = Uuid, Path, description = "export id")),
    responses((status = 200, body = ExportDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_one(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ExportDto>> {
    Ok(Json(
        erp::exports::get(&erp, &caller.user, id).await?.into(),
    ))
}

/// The finished file (text/csv).
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", tag = "exports",
    params(("id" = Uuid, Path, description = "export id")),
    responses((status = 200, content_type = "text/csv"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn file(State(erp): State<Erp>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Response> {
    Ok(super::common::download(
        erp::exports::read_file(&erp, &caller.user, id).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(request_users_roles))
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(file))
}
