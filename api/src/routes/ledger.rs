//! The journal (entries, manual entries, reversals) and the trial balance.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::accounting::journal::{self, JournalEntry, JournalQuery, ManualEntryInput, ReverseInput};
use erp::accounting::trial_balance::{self, TrialBalance, TrialBalanceQuery};
use erp::paging::Page;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

#[utoipa::path(get, path = "/api/v1/journal-entries", tag = "ledger", params(JournalQuery),
    responses((status = 200, body = Page<JournalEntry>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<JournalQuery>,
) -> ApiResult<Json<Page<JournalEntry>>> {
    Ok(Json(journal::list(&erp.db, &caller.user, q).await?))
}

/// A manual entry; refused unless debits equal credits (checked again by the database at commit).
#[utoipa::path(post, path = "/api/v1/journal-entries", tag = "ledger", request_body = ManualEntryInput,
    responses((status = 201, body = JournalEntry), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<ManualEntryInput>,
) -> ApiResult<(StatusCode, Json<JournalEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(journal::create_manual(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/journal-entries/{id}", tag = "ledger", params(("id" = Uuid, Path)),
    responses((status = 200, body = JournalEntry), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<JournalEntry>> {
    Ok(Json(journal::get(&erp.db, &caller.user, id).await?))
}

/// Reverse a manual entry (answers the reversing entry).
#[utoipa::path(post, path = "/api/v1/journal-entries/{id}/reverse", tag = "ledger", params(("id" = Uuid, Path)), request_body = ReverseInput,
    responses((status = 201, body = JournalEntry), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn reverse(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<ReverseInput>,
) -> ApiResult<(StatusCode, Json<JournalEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(journal::reverse(&erp.db, &caller.user, id, input).await?),
    ))
}

/// Debits and credits per account up to a month's end; `companies` consolidates several.
#[utoipa::path(get, path = "/api/v1/reports/trial-balance", tag = "ledger", params(TrialBalanceQuery),
    responses((status = 200, body = TrialBalance), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn trial(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<TrialBalanceQuery>,
) -> ApiResult<Json<TrialBalance>> {
    Ok(Json(
        trial_balance::trial_balance(&erp.db, &caller.user, q).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(reverse))
        .routes(routes!(trial))
}
