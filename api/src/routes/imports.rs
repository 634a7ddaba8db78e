//! CSV imports of parties and products: upload (checked, nothing written),
//! look at the preview, start, follow the progress.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use erp::Erp;
use erp::imports::{self, Import, Kind};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// The name the file had on the user's computer (shown on the page).
    file_name: Option<String>,
}

/// Upload a CSV file (`Content-Type: text/csv`). Every row is checked and
/// the file kept; the answer is the preview: counts and each bad row with its
/// line. Nothing is imported until the import is started.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "imports",
    params(("kind" = inline(Kind), Path), UploadQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = Import),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn upload(
    State(erp): State<Erp>,
    caller: Caller,
    Path(kind): Path<Kind>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Import>)> {
    // Only a CSV body: a cross-site form cannot send this type without a
    // preflight, which is what keeps cookie-authenticated uploads safe.
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim() == "text/csv"));
    if !is_csv {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "csv_expected",
            "send the file with Content-Type: text/csv",
        ));
    }
    let name = q.file_name.unwrap_or_default();
    let import = imports::preview(&erp, &caller.user, kind, &name, &body).await?;
    Ok((StatusCode::CREATED, Json(import)))
}

/// The latest imports of this kind.
#[utoipa::path(get, path = "/api/v1/imports/{kind}", tag = "imports", params(("kind" = inline(Kind), Path)),
    responses((status = 200, body = [Import])))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Path(kind): Path<Kind>,
) -> ApiResult<Json<Vec<Import>>> {
    Ok(Json(imports::list(&erp, &caller.user, kind).await?))
}

/// One import: its preview, or its progress once started.
#[utoipa::path(get, path = "/api/v1/imports/{kind}/{id}", tag = "imports",
    params(("kind" = inline(Kind), Path), ("id" = Uuid, Path)),
    responses((status = 200, body = Import), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path((kind, id)): Path<(Kind, Uuid)>,
) -> ApiResult<Json<Import>> {
    Ok(Json(imports::get(&erp, &caller.user, kind, id).await?))
}

/// Import the good rows of a previewed file in the background (202).
#[utoipa::path(post, path = "/api/v1/imports/{kind}/{id}/start", tag = "imports",
    params(("kind" = inline(Kind), Path), ("id" = Uuid, Path)),
    responses((status = 202, body = Import), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn start(
    State(erp): State<Erp>,
    caller: Caller,
    Path((kind, id)): Path<(Kind, Uuid)>,
) -> ApiResult<(StatusCode, Json<Import>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(imports::start(&erp, &caller.user, kind, id).await?),
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(upload, list))
        .routes(routes!(get))
        .routes(routes!(start))
        .layer(DefaultBodyLimit::max(imports::MAX_FILE_BYTES))
}
