//! The catalog: categories, products and their serial numbers (VINs).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use erp::Erp;
use erp::catalog::categories::{self, Category, CategoryInput};
use erp::catalog::products::{self, Product, ProductInput, ProductQuery};
use erp::catalog::serials::{self, Serial, SerialInput};
use erp::paging::Page;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::common::VersionDto;
use crate::auth::Caller;
use crate::json;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

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

#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ProductQuery),
    responses((status = 200, body = Page<Product>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<ProductQuery>,
) -> ApiResult<Json<Page<Product>>> {
    Ok(Json(products::list(&erp.db, &caller.user, q).await?))
}

#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", request_body = ProductInput,
    responses((status = 201, body = Product), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<ProductInput>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    Ok((
        StatusCode::CREATED,
        Json(products::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Product), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Product>> {
    Ok(Json(products::get(&erp.db, &caller.user, id).await?))
}

/// Replace a product; `version` must be the one read (409 otherwise).
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = Uuid, Path)), request_body = ProductInput,
    responses((status = 200, body = Product), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<ProductInput>,
) -> ApiResult<Json<Product>> {
    Ok(Json(
        products::update(&erp.db, &caller.user, id, input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/products/{id}/archive", tag = "catalog", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Product), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn archive(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<VersionDto>,
) -> ApiResult<Json<Product>> {
    Ok(Json(
        products::set_archived(&erp.db, &caller.user, id, body.version, true).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/products/{id}/restore", tag = "catalog", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Product), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn restore(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(body): json::Json<VersionDto>,
) -> ApiResult<Json<Product>> {
    Ok(Json(
        products::set_archived(&erp.db, &caller.user, id, body.version, false).await?,
    ))
}

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

/// Every product the list shows with these filters and this order, as CSV
/// (the columns the import reads).
#[utoipa::path(get, path = "/api/v1/products/export", tag = "catalog", params(ProductQuery),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn export(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<ProductQuery>,
) -> ApiResult<Response> {
    Ok(super::common::download(
        erp::catalog::products_csv::export(&erp.db, &caller.user, q).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category))
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(archive))
        .routes(routes!(restore))
        .routes(routes!(list_serials, add_serial))
}
