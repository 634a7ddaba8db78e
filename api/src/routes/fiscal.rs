//! The SAR's authorized number ranges (CAI).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::fiscal::ranges::{self, FiscalRange, FiscalRangeInput};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

/// Every range with what is left of it, its state and any warning.
#[utoipa::path(get, path = "/api/v1/fiscal-ranges", tag = "fiscal", responses((status = 200, body = [FiscalRange])))]
async fn list(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<FiscalRange>>> {
    Ok(Json(ranges::list(&erp.db, &caller.user).await?))
}

/// Register a range as the SAR's authorization prints it.
#[utoipa::path(post, path = "/api/v1/fiscal-ranges", tag = "fiscal", request_body = FiscalRangeInput,
    responses((status = 201, body = FiscalRange), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<FiscalRangeInput>,
) -> ApiResult<(StatusCode, Json<FiscalRange>)> {
    Ok((
        StatusCode::CREATED,
        Json(ranges::create(&erp.db, &caller.user, input).await?),
    ))
}

/// Correct a range nothing was issued from; with `archived`, retire or restore any range.
#[utoipa::path(put, path = "/api/v1/fiscal-ranges/{id}", tag = "fiscal", params(("id" = Uuid, Path)), request_body = FiscalRangeInput,
    responses((status = 200, body = FiscalRange), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<FiscalRangeInput>,
) -> ApiResult<Json<FiscalRange>> {
    Ok(Json(
        ranges::update(&erp.db, &caller.user, id, input).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update))
}
