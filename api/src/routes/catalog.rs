//! The catalog: categories, products and their serial numbers (VINs).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::catalog::categories::{self, Category, CategoryInput};
use erp::catalog::products::{Product, ProductInput, ProductQuery};
use erp::catalog::serials::{self, Serial, SerialInput};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

#[utoipa::path(get, path = "/api/v1/product-categories", tag = "catalog", responses((status = 200, body = [Category])))]
async fn list_categories(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(categories::list(&erp.db, &caller.user).await?))
}

#[utoipa::path(post, path = "/api/v1/product-categories", tag = "catalog", request_body = CategoryInput,
    responses((status = 201, body = Category), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_category(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<CategoryInput>,
) -> ApiResult<(StatusCode, Json<Category>)> {
    Ok((
        StatusCode::CREATED,
        Json(categories::create(&erp.db, &caller.user, input).await?),
    ))
}

/// Rename; with `archived` set, archive or restore (needs the archive permission).
#[utoipa::path(put, path = "/api/v1/product-categories/{id}", tag = "catalog", params(("id" = Uuid, Path)), request_body = CategoryInput,
    responses((status = 200, body = Category), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update_category(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<CategoryInput>,
) -> ApiResult<Json<Category>> {
    Ok(Json(
        categories::update(&erp.db, &caller.user, id, input).await?,
    ))
}

crate::record_routes!(mod product_routes, "/api/v1/products", "catalog", Product, ProductInput, ProductQuery);

#[utoipa::path(get, path = "/api/v1/products/{id}/serials", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Serial])))]
async fn list_serials(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Serial>>> {
    Ok(Json(serials::list(&erp.db, &caller.user, id).await?))
}

/// Register a serial number; for a vehicle, its VIN (17 characters).
#[utoipa::path(post, path = "/api/v1/products/{id}/serials", tag = "catalog", params(("id" = Uuid, Path)), request_body = SerialInput,
    responses((status = 201, body = Serial), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_serial(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<SerialInput>,
) -> ApiResult<(StatusCode, Json<Serial>)> {
    Ok((
        StatusCode::CREATED,
        Json(serials::add(&erp.db, &caller.user, id, input).await?),
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category))
        .merge(product_routes::routes())
        .routes(routes!(list_serials, add_serial))
}
