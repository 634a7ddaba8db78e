//! Customers and suppliers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use erp::Erp;
use erp::paging::Page;
use erp::parties::{self, Party, PartyInput, PartyQuery};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::common::VersionDto;
use crate::auth::Caller;
use crate::json;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

/// Parties of the active company, with filters, sort and a cursor.
#[utoipa::path(get, path = "/api/v1/parties", tag = "parties", params(PartyQuery),
    responses((status = 200, body = Page<Party>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<PartyQuery>,
) -> ApiResult<Json<Page<Party>>> {
    Ok(Json(parties::list(&erp.db, &caller.user, q).await?))
}

#[utoipa::path(post, path = "/api/v1/parties", tag = "parties", request_body = PartyInput,
    responses((status = 201, body = Party), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<PartyInput>,
) -> ApiResult<(StatusCode, Json<Party>)> {
    Ok((
        StatusCode::CREATED,
        Json(parties::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/parties/{id}", tag = "parties", params(("id" = Uuid, Path)),
    responses((status = 200, body = Party), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Party>> {
    Ok(Json(parties::get(&erp.db, &caller.user, id).await?))
}

/// Replace a party; `version` must be the one read (409 otherwise).
#[utoipa::path(put, path = "/api/v1/parties/{id}", tag = "parties", params(("id" = Uuid, Path)), request_body = PartyInput,
    responses((status = 200, body = Party), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<PartyInput>,
) -> ApiResult<Json<Party>> {
    Ok(Json(
        parties::update(&erp.db, &caller.user, id, input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/parties/{id}/archive", tag = "parties", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Party), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn archive(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<VersionDto>,
) -> ApiResult<Json<Party>> {
    Ok(Json(
        parties::set_archived(&erp.db, &caller.user, id, body.version, true).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/parties/{id}/restore", tag = "parties", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Party), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn restore(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<VersionDto>,
) -> ApiResult<Json<Party>> {
    Ok(Json(
        parties::set_archived(&erp.db, &caller.user, id, body.version, false).await?,
    ))
}

/// Every party the list shows with these filters and this order, as CSV
/// (the columns the import reads).
#[utoipa::path(get, path = "/api/v1/parties/export", tag = "parties", params(PartyQuery),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn export(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<PartyQuery>,
) -> ApiResult<Response> {
    Ok(super::common::download(
        parties::csv::export(&erp.db, &caller.user, q).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(archive))
        .routes(routes!(restore))
}
