//! The JSON API under `/api`: routes per ERP module, one error shape
//! (RFC 9457 problem+json), and an OpenAPI 3.1 document generated from the
//! handlers at `/api/openapi.json`.
//!
//! The router expects a tower-sessions layer around it (the appliance adds the
//! Redis-backed one), and `ConnectInfo<SocketAddr>` from the server.

pub mod auth;
mod contract;
pub mod json;
pub mod metrics;
pub mod path;
pub mod problem;
mod problem_language;
pub mod query;
mod routes;

use axum::Router;
use erp::Erp;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "ERP appliance API", description = "JSON API of the ERP appliance. Errors are RFC 9457 problem+json; `errors` names each field at fault by its JSON pointer. Text never holds the NUL character (U+0000): a parameter or body with one is refused (400 or 422)."),
    tags(
        (name = "system", description = "Health and the API document"),
        (name = "session", description = "Login, logout and the current user"),
        (name = "exports", description = "Background exports of company data"),
        (name = "schedules", description = "Periodic tasks (group admins)"),
        (name = "jobs", description = "The job queue: waiting, running, scheduled and dead jobs (group admins)"),
        (name = "companies", description = "The active company's settings, branches, emission points and warehouses"),
        (name = "parties", description = "Customers and suppliers"),
        (name = "catalog", description = "Categories, products and serial numbers (VINs)"),
        (name = "accounting", description = "Chart of accounts and ISV tax codes"),
        (name = "fiscal", description = "The SAR's authorized number ranges (CAI)"),
        (name = "sales", description = "Quotes, orders, invoices and credit notes"),
        (name = "payments", description = "Customer payments, statements and aged receivables"),
        (name = "ledger", description = "Journal entries and accounting reports"),
        (name = "reports", description = "Reports built in the background into PDF and CSV"),
        (name = "attachments", description = "Files attached to parties, products and sales documents"),
        (name = "stock", description = "Inventory: stock locations, receipts, transfers, counts, on hand, valuation and units by VIN"),
        (name = "purchases", description = "Purchasing: purchase orders, supplier bills with the SAR's purchase-side fields and withholding receipts, supplier payments"),
        (name = "search", description = "One search over parties, products and VINs"),
        (name = "audit", description = "The audit trail")
    )
)]
struct ApiDoc;

/// The API's router and its OpenAPI document.
pub fn router_with_doc(erp: Erp) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::system::routes())
        .merge(routes::session::routes())
        .merge(routes::exports::routes())
        .merge(routes::imports::routes())
        .merge(routes::users::routes())
        .merge(routes::totp::routes())
        .merge(routes::schedules::routes())
        .merge(routes::jobs::routes())
        .merge(routes::companies::routes())
        .merge(routes::parties::routes())
        .merge(routes::catalog::routes())
        .merge(routes::accounting::routes())
        .merge(routes::fiscal::routes())
        .merge(routes::sales::routes())
        .merge(routes::payments::routes())
        .merge(routes::ledger::routes())
        .merge(routes::reports::routes())
        .merge(routes::search::routes())
        .merge(routes::attachments::routes())
        .merge(routes::stock::routes())
        .merge(routes::purchases::routes())
        .with_state(erp)
        .split_for_parts();
    let mut doc = doc;
    contract::document_errors(&mut doc);
    (router, doc)
}

/// The full `/api` router, serving the document beside the routes.
pub fn router(erp: Erp) -> Router {
    let metrics = metrics::router(erp.clone());
    let (router, doc) = router_with_doc(erp);
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route_layer(axum::middleware::from_fn(metrics::track))
        .merge(metrics)
        .fallback(|| async { problem::Problem::from(erp::Error::not_found("no_such_route")) })
        .method_not_allowed_fallback(|| async {
            problem::Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this resource does not accept that method",
            )
        })
        .layer(axum::middleware::from_fn(problem_language::in_language))
}
