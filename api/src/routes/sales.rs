//! Quotes, orders, invoices and credit notes, and the moves between them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::paging::Page;
use erp::sales::book::{self, SalesBook, SalesBookQuery};
use erp::sales::documents::{self, Document, DocumentQuery};
use erp::sales::drafts::{self, DocumentInput};
use erp::sales::moves::{self, DeriveInput};
use erp::sales::posting;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::common::VersionDto;
use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

type Created = ApiResult<(StatusCode, Json<Document>)>;

#[utoipa::path(get, path = "/api/v1/sales/documents", tag = "sales", params(DocumentQuery),
    responses((status = 200, body = Page<Document>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<DocumentQuery>,
) -> ApiResult<Json<Page<Document>>> {
    Ok(Json(documents::list(&erp.db, &caller.user, q).await?))
}

/// A new quote, order or invoice draft; prices, descriptions and tax classes default to the product's.
#[utoipa::path(post, path = "/api/v1/sales/documents", tag = "sales", request_body = DocumentInput,
    responses((status = 201, body = Document), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<DocumentInput>,
) -> Created {
    Ok((
        StatusCode::CREATED,
        Json(drafts::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/sales/documents/{id}", tag = "sales", params(("id" = Uuid, Path)),
    responses((status = 200, body = Document), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Document>> {
    Ok(Json(documents::get(&erp.db, &caller.user, id).await?))
}

/// Replace a draft's header and lines (409 once it is not a draft).
#[utoipa::path(put, path = "/api/v1/sales/documents/{id}", tag = "sales", params(("id" = Uuid, Path)), request_body = DocumentInput,
    responses((status = 200, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<DocumentInput>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        drafts::update(&erp.db, &caller.user, id, input).await?,
    ))
}

/// Quote → order: answers the new order draft.
#[utoipa::path(post, path = "/api/v1/sales/documents/{id}/accept", tag = "sales", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 201, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn accept(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(v): json::Json<VersionDto>,
) -> Created {
    Ok((
        StatusCode::CREATED,
        Json(moves::accept_quote(&erp.db, &caller.user, id, v.version).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/sales/documents/{id}/confirm", tag = "sales", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn confirm(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(v): json::Json<VersionDto>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        moves::confirm(&erp.db, &caller.user, id, v.version).await?,
    ))
}

/// An invoice draft for a confirmed order: what is not billed yet, or the given lines and quantities.
#[utoipa::path(post, path = "/api/v1/sales/documents/{id}/invoice", tag = "sales", params(("id" = Uuid, Path)), request_body = DeriveInput,
    responses((status = 201, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn invoice(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<DeriveInput>,
) -> Created {
    Ok((
        StatusCode::CREATED,
        Json(moves::invoice_order(&erp.db, &caller.user, id, input).await?),
    ))
}

/// A credit note draft against a posted invoice (`reason` required).
#[utoipa::path(post, path = "/api/v1/sales/documents/{id}/credit", tag = "sales", params(("id" = Uuid, Path)), request_body = DeriveInput,
    responses((status = 201, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn credit(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<DeriveInput>,
) -> Created {
    Ok((
        StatusCode::CREATED,
        Json(moves::credit_invoice(&erp.db, &caller.user, id, input).await?),
    ))
}

/// Post an invoice or credit note: fiscal number, journal entry, final.
#[utoipa::path(post, path = "/api/v1/sales/documents/{id}/post", tag = "sales", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn post(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(v): json::Json<VersionDto>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        posting::post(&erp.db, &caller.user, id, v.version).await?,
    ))
}

/// Cancel a draft, or a confirmed order nothing was invoiced from.
#[utoipa::path(post, path = "/api/v1/sales/documents/{id}/cancel", tag = "sales", params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = Document), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn cancel(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(v): json::Json<VersionDto>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        moves::cancel(&erp.db, &caller.user, id, v.version).await?,
    ))
}

/// The printed invoice or credit note (409 while it is a draft).
#[utoipa::path(get, path = "/api/v1/sales/documents/{id}/pdf", tag = "sales", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn pdf(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::response::Response> {
    let printed = erp::sales::print::pdf(&erp.db, &caller.user, id).await?;
    Ok(super::common::pdf_response(printed.file_name, printed.pdf))
}

/// The month's libro de ventas: posted invoices and credit notes with the 15 %/18 % split, in lempiras.
#[utoipa::path(get, path = "/api/v1/reports/sales-book", tag = "sales", params(SalesBookQuery),
    responses((status = 200, body = SalesBook), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn sales_book(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<SalesBookQuery>,
) -> ApiResult<Json<SalesBook>> {
    Ok(Json(book::sales_book(&erp.db, &caller.user, q).await?))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(accept))
        .routes(routes!(confirm))
        .routes(routes!(invoice))
        .routes(routes!(credit))
        .routes(routes!(post))
        .routes(routes!(cancel))
        .routes(routes!(sales_book))
        .routes(routes!(pdf))
}
