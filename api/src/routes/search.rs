//! The search box's API and the audit trail.

use axum::Json;
use axum::extract::State;
use erp::Erp;
use erp::audit::{AuditQuery, Record};
use erp::paging::Page;
use erp::search::Hit;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Caller;
use crate::problem::ApiResult;
use crate::query::Query;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Name, RTN, SKU or VIN; accents and case do not matter.
    pub q: String,
}

/// Parties, products and vehicles (by VIN) matching `q`, ten of each at most.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery), responses((status = 200, body = [Hit])))]
async fn search(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<Hit>>> {
    Ok(Json(
        erp::search::search(&erp.db, &caller.user, &q.q).await?,
    ))
}

/// Who changed what in the active company, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Page<Record>)))]
async fn audit(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Page<Record>>> {
    Ok(Json(erp::audit::list(&erp.db, &caller.user, q).await?))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(audit))
}
