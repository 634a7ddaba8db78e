//! Customer payments, statements and aged receivables.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::receivables::aging::{self, Aging, AgingQuery};
use erp::receivables::payments::{self, Payment, PaymentInput, PaymentQuery};
use erp::receivables::statement::{self, Statement, StatementQuery};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::common::VersionDto;
use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", params(PaymentQuery), responses((status = 200, body = [Payment])))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<PaymentQuery>,
) -> ApiResult<Json<Vec<Payment>>> {
    Ok(Json(payments::list(&erp.db, &caller.user, q).await?))
}

/// Record a payment, allocated to posted invoices of the customer; books its journal entry.
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", request_body = PaymentInput,
    responses((status = 201, body = Payment), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<PaymentInput>,
) -> ApiResult<(StatusCode, Json<Payment>)> {
    Ok((
        StatusCode::CREATED,
        Json(payments::record(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", params(("id" = Uuid, Path)),
    responses((status = 200, body = Payment), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Payment>> {
    Ok(Json(payments::get(&erp.db, &caller.user, id).await?))
}

/// Reverse a payment (the reversing entry is booked; its allocations stop counting).
#[utoipa::path(post, path = "/api/v1/payments/{id}/reverse", tag = "payments", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Payment), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn reverse(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(v): json::Json<VersionDto>,
) -> ApiResult<Json<Payment>> {
    Ok(Json(
        payments::reverse(&erp.db, &caller.user, id, v.version).await?,
    ))
}

/// A customer's movements and balance between two dates, and the invoices still open.
#[utoipa::path(get, path = "/api/v1/parties/{id}/statement", tag = "payments", params(("id" = Uuid, Path), StatementQuery),
    responses((status = 200, body = Statement), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn party_statement(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<StatementQuery>,
) -> ApiResult<Json<Statement>> {
    Ok(Json(
        statement::statement(&erp.db, &caller.user, id, q).await?,
    ))
}

/// What each customer owes by days past due: 0–30, 31–60, 61–90, over 90.
#[utoipa::path(get, path = "/api/v1/reports/aged-receivables", tag = "payments", params(AgingQuery), responses((status = 200, body = Aging)))]
async fn aged(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<AgingQuery>,
) -> ApiResult<Json<Aging>> {
    Ok(Json(
        aging::aged_receivables(&erp.db, &caller.user, q).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(reverse))
        .routes(routes!(party_statement))
        .routes(routes!(aged))
}
