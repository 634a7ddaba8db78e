//! The chart of accounts and the ISV tax codes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::accounting::accounts::{self, Account, AccountInput};
use erp::accounting::mapping::{self, LedgerAccount, LedgerAccountInput};
use erp::accounting::taxes::{self, TaxCode, TaxCodeInput};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::common::VersionDto;
use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounting", responses((status = 200, body = [Account])))]
async fn list(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<Account>>> {
    Ok(Json(accounts::list(&erp.db, &caller.user).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounting", request_body = AccountInput,
    responses((status = 201, body = Account), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<AccountInput>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    Ok((
        StatusCode::CREATED,
        Json(accounts::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}", tag = "accounting", params(("id" = Uuid, Path)), request_body = AccountInput,
    responses((status = 200, body = Account), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<AccountInput>,
) -> ApiResult<Json<Account>> {
    Ok(Json(
        accounts::update(&erp.db, &caller.user, id, input).await?,
    ))
}

/// Delete an account nothing refers to; one in use answers 409 `account_in_use`.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounting", params(("id" = Uuid, Path), ("version" = i32, Query)),
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(v): Query<VersionDto>,
) -> ApiResult<StatusCode> {
    accounts::delete(&erp.db, &caller.user, id, v.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tax-codes", tag = "accounting", responses((status = 200, body = [TaxCode])))]
async fn list_taxes(State(erp): State<Erp>, caller: Caller) -> ApiResult<Json<Vec<TaxCode>>> {
    Ok(Json(taxes::list(&erp.db, &caller.user).await?))
}

#[utoipa::path(put, path = "/api/v1/tax-codes/{id}", tag = "accounting", params(("id" = Uuid, Path)), request_body = TaxCodeInput,
    responses((status = 200, body = TaxCode), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update_tax(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<TaxCodeInput>,
) -> ApiResult<Json<TaxCode>> {
    Ok(Json(taxes::update(&erp.db, &caller.user, id, input).await?))
}

/// The accounts automatic entries use, by purpose.
#[utoipa::path(get, path = "/api/v1/ledger-accounts", tag = "accounting", responses((status = 200, body = [LedgerAccount])))]
async fn list_mapping(
    State(erp): State<Erp>,
    caller: Caller,
) -> ApiResult<Json<Vec<LedgerAccount>>> {
    Ok(Json(mapping::list(&erp.db, &caller.user).await?))
}

/// Point a purpose (receivable, cash, bank, card, revenue_isv15, …) at another postable account.
#[utoipa::path(put, path = "/api/v1/ledger-accounts/{purpose}", tag = "accounting", params(("purpose" = String, Path)), request_body = LedgerAccountInput,
    responses((status = 200, body = LedgerAccount), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update_mapping(
    State(erp): State<Erp>,
    caller: Caller,
    Path(purpose): Path<String>,
    json::Json(input): json::Json<LedgerAccountInput>,
) -> ApiResult<Json<LedgerAccount>> {
    Ok(Json(
        mapping::update(&erp.db, &caller.user, &purpose, input).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
        .routes(routes!(list_taxes))
        .routes(routes!(update_tax))
        .routes(routes!(list_mapping))
        .routes(routes!(update_mapping))
}
