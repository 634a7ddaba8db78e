//! The people of the active company and their roles.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::companies::members::{self, Member, MemberUpdate, NewMember};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::common::VersionDto;
use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

/// Everyone with access to the active company (deactivated ones last).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = [Member]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(members::list(&erp.db, &caller.user).await?))
}

/// Give someone access with a role: a new user (name and password needed)
/// or a user of another company of the group (who keeps name and password).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewMember,
    responses((status = 201, body = Member), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn add(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<NewMember>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    Ok((
        StatusCode::CREATED,
        Json(members::add(&erp.db, &caller.user, input).await?),
    ))
}

/// Change someone's role; `version` must be the one read (409 otherwise).
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)), request_body = MemberUpdate,
    responses((status = 200, body = Member), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<MemberUpdate>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        members::update(&erp.db, &caller.user, id, input).await?,
    ))
}

/// Take away someone's access to the active company (their other companies keep it).
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Member), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn deactivate(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<VersionDto>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        members::set_active(&erp.db, &caller.user, id, body.version, false).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = "users", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Member), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn reactivate(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<VersionDto>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        members::set_active(&erp.db, &caller.user, id, body.version, true).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(update))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
}
