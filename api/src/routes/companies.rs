//! The active company's settings, branches (with emission points) and warehouses.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::companies::branches::{self, Branch, BranchInput};
use erp::companies::settings::{self, CompanySettings, CompanySettingsInput};
use erp::companies::warehouses::{self, Warehouse, WarehouseInput};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};

#[utoipa::path(get, path = "/api/v1/company", tag = "companies", responses((status = 200, body = CompanySettings)))]
async fn get_settings(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<CompanySettings>> {
    Ok(Json(settings::get(&erp.db, &caller.user).await?))
}

#[utoipa::path(put, path = "/api/v1/company", tag = "companies", request_body = CompanySettingsInput,
    responses((status = 200, body = CompanySettings), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_settings(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<CompanySettingsInput>,
) -> ApiResult<Json<CompanySettings>> {
    Ok(Json(settings::update(&erp.db, &caller.user, input).await?))
}

#[utoipa::path(get, path = "/api/v1/branches", tag = "companies", responses((status = 200, body = [Branch])))]
async fn list_branches(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<Branch>>> {
    Ok(Json(branches::list(&erp.db, &caller.user).await?))
}

#[utoipa::path(post, path = "/api/v1/branches", tag = "companies", request_body = BranchInput,
    responses((status = 201, body = Branch), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_branch(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<BranchInput>,
) -> ApiResult<(StatusCode, Json<Branch>)> {
    Ok((
        StatusCode::CREATED,
        Json(branches::create(&erp.db, &caller.user, input).await?),
    ))
}

/// Change a branch, add emission points; with `archived` set, archive or restore.
#[utoipa::path(put, path = "/api/v1/branches/{id}", tag = "companies", params(("id" = Uuid, Path)), request_body = BranchInput,
    responses((status = 200, body = Branch), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update_branch(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<BranchInput>,
) -> ApiResult<Json<Branch>> {
    Ok(Json(
        branches::update(&erp.db, &caller.user, id, input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/warehouses", tag = "companies", responses((status = 200, body = [Warehouse])))]
async fn list_warehouses(
    State(erp): State<Erp>,
    caller: Caller,
) -> ApiResult<Json<Vec<Warehouse>>> {
    Ok(Json(warehouses::list(&erp.db, &caller.user).await?))
}

#[utoipa::path(post, path = "/api/v1/warehouses", tag = "companies", request_body = WarehouseInput,
    responses((status = 201, body = Warehouse), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_warehouse(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<WarehouseInput>,
) -> ApiResult<(StatusCode, Json<Warehouse>)> {
    Ok((
        StatusCode::CREATED,
        Json(warehouses::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/warehouses/{id}", tag = "companies", params(("id" = Uuid, Path)), request_body = WarehouseInput,
    responses((status = 200, body = Warehouse), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update_warehouse(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<WarehouseInput>,
) -> ApiResult<Json<Warehouse>> {
    Ok(Json(
        warehouses::update(&erp.db, &caller.user, id, input).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(list_branches, create_branch))
        .routes(routes!(update_branch))
        .routes(routes!(list_warehouses, create_warehouse))
        .routes(routes!(update_warehouse))
}
