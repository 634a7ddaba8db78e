//! Purchasing: orders to suppliers, supplier bills with their withholding
//! receipts, supplier payments, and the month's withholdings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::purchases::bills::{self, BillInput, BillQuery, ReverseBillInput, SupplierBill};
use erp::purchases::book::{self, PurchaseBook, PurchaseBookQuery};
use erp::purchases::orders::{
    self, OrderStatusInput, PurchaseOrder, PurchaseOrderInput, PurchaseOrderQuery,
};
use erp::purchases::payments::{
    self, ReversePaymentInput, SupplierPayment, SupplierPaymentInput, SupplierPaymentQuery,
};
use erp::purchases::purchase_receipts::PurchaseReceiptInput;
use erp::purchases::withholding::{self, WithholdingCode, Withholdings, WithholdingsQuery};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;
use crate::routes::common::download;

/// Order goods from a supplier, in lempiras or dollars; receipts name the
/// order (`purchase_order_id`) and its lines.
#[utoipa::path(post, path = "/api/v1/purchases/orders", tag = "purchases", request_body = PurchaseOrderInput,
    responses((status = 201, body = PurchaseOrder),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_order(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<PurchaseOrderInput>,
) -> ApiResult<(StatusCode, Json<PurchaseOrder>)> {
    Ok((
        StatusCode::CREATED,
        Json(orders::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/purchases/orders", tag = "purchases", params(PurchaseOrderQuery),
    responses((status = 200, body = Vec<PurchaseOrder>), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_orders(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<PurchaseOrderQuery>,
) -> ApiResult<Json<Vec<PurchaseOrder>>> {
    Ok(Json(orders::list(&erp.db, &caller.user, q).await?))
}

/// An order with each line's quantity received so far.
#[utoipa::path(get, path = "/api/v1/purchases/orders/{id}", tag = "purchases", params(("id" = Uuid, Path)),
    responses((status = 200, body = PurchaseOrder), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_order(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PurchaseOrder>> {
    Ok(Json(orders::get(&erp.db, &caller.user, id).await?))
}

/// Close an open order (the rest is no longer expected) or cancel one
/// nothing has arrived for.
#[utoipa::path(post, path = "/api/v1/purchases/orders/{id}/status", tag = "purchases", params(("id" = Uuid, Path)),
    request_body = OrderStatusInput,
    responses((status = 200, body = PurchaseOrder),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn order_status(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<OrderStatusInput>,
) -> ApiResult<Json<PurchaseOrder>> {
    Ok(Json(
        orders::set_status(&erp.db, &caller.user, id, input).await?,
    ))
}

/// Record a supplier's bill (invoice, note, FYDUCA or DUA) and book it;
/// a supplier subject to withholding gets a withholding receipt.
#[utoipa::path(post, path = "/api/v1/purchases/bills", tag = "purchases", request_body = BillInput,
    responses((status = 201, body = SupplierBill),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_bill(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<BillInput>,
) -> ApiResult<(StatusCode, Json<SupplierBill>)> {
    Ok((
        StatusCode::CREATED,
        Json(bills::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/purchases/bills", tag = "purchases", params(BillQuery),
    responses((status = 200, body = Vec<SupplierBill>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list_bills(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<BillQuery>,
) -> ApiResult<Json<Vec<SupplierBill>>> {
    Ok(Json(bills::list(&erp.db, &caller.user, q).await?))
}

#[utoipa::path(get, path = "/api/v1/purchases/bills/{id}", tag = "purchases", params(("id" = Uuid, Path)),
    responses((status = 200, body = SupplierBill), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_bill(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<SupplierBill>> {
    Ok(Json(bills::get(&erp.db, &caller.user, id).await?))
}

/// Reverse a bill (the mirror entry); refused while payments or notes count against it.
/// The withholding receipt (comprobante de retención) of a bill, as the
/// supplier gets it (409 when nothing was withheld on the bill).
#[utoipa::path(get, path = "/api/v1/purchases/bills/{id}/withholding-receipt", tag = "purchases", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn withholding_receipt(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::response::Response> {
    let printed = erp::purchases::withholding_print::pdf(&erp.db, &caller.user, id).await?;
    Ok(super::common::pdf_response(printed.file_name, printed.pdf))
}

/// A purchase receipt (boleta de compra) printed for seller and buyer to
/// sign (409 for a bill of another class).
#[utoipa::path(get, path = "/api/v1/purchases/bills/{id}/purchase-receipt", tag = "purchases", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn purchase_receipt_pdf(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::response::Response> {
    let printed = erp::purchases::purchase_receipt_print::pdf(&erp.db, &caller.user, id).await?;
    Ok(super::common::pdf_response(printed.file_name, printed.pdf))
}

#[utoipa::path(post, path = "/api/v1/purchases/bills/{id}/reverse", tag = "purchases", params(("id" = Uuid, Path)),
    request_body = ReverseBillInput,
    responses((status = 200, body = SupplierBill),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reverse_bill(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<ReverseBillInput>,
) -> ApiResult<Json<SupplierBill>> {
    Ok(Json(
        bills::reverse(&erp.db, &caller.user, id, input).await?,
    ))
}

/// Pay a supplier, allocated to its bills; books the entry.
#[utoipa::path(post, path = "/api/v1/purchases/payments", tag = "purchases", request_body = SupplierPaymentInput,
    responses((status = 201, body = SupplierPayment),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_payment(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<SupplierPaymentInput>,
) -> ApiResult<(StatusCode, Json<SupplierPayment>)> {
    Ok((
        StatusCode::CREATED,
        Json(payments::record(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/purchases/payments", tag = "purchases", params(SupplierPaymentQuery),
    responses((status = 200, body = Vec<SupplierPayment>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list_payments(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<SupplierPaymentQuery>,
) -> ApiResult<Json<Vec<SupplierPayment>>> {
    Ok(Json(payments::list(&erp.db, &caller.user, q).await?))
}

#[utoipa::path(get, path = "/api/v1/purchases/payments/{id}", tag = "purchases", params(("id" = Uuid, Path)),
    responses((status = 200, body = SupplierPayment), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_payment(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<SupplierPayment>> {
    Ok(Json(payments::get(&erp.db, &caller.user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/purchases/payments/{id}/reverse", tag = "purchases", params(("id" = Uuid, Path)),
    request_body = ReversePaymentInput,
    responses((status = 200, body = SupplierPayment),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reverse_payment(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<ReversePaymentInput>,
) -> ApiResult<Json<SupplierPayment>> {
    Ok(Json(
        payments::reverse(&erp.db, &caller.user, id, input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/purchases/withholding-codes", tag = "purchases",
    responses((status = 200, body = Vec<WithholdingCode>)))]
async fn withholding_codes(
    State(erp): State<Erp>,
    caller: Caller,
) -> ApiResult<Json<Vec<WithholdingCode>>> {
    Ok(Json(withholding::codes(&erp.db, &caller.user).await?))
}

/// The month's withholding receipts, in lempiras.
#[utoipa::path(get, path = "/api/v1/purchases/withholdings", tag = "purchases", params(WithholdingsQuery),
    responses((status = 200, body = Withholdings), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn withholdings(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<WithholdingsQuery>,
) -> ApiResult<Json<Withholdings>> {
    Ok(Json(withholding::month(&erp.db, &caller.user, q).await?))
}

/// The month's withholdings as CSV.
#[utoipa::path(get, path = "/api/v1/purchases/withholdings/csv", tag = "purchases", params(WithholdingsQuery),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn withholdings_csv(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<WithholdingsQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(download(
        withholding::month_csv(&erp.db, &caller.user, q).await?,
    ))
}

/// A purchase receipt (boleta de compra) for a unit bought from a private
/// seller: numbered from the company's own range; the unit arrives at its
/// price and the receipt is booked as a bill without ISV.
#[utoipa::path(post, path = "/api/v1/purchases/purchase-receipts", tag = "purchases", request_body = PurchaseReceiptInput,
    responses((status = 201, body = SupplierBill),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_purchase_receipt(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<PurchaseReceiptInput>,
) -> ApiResult<(StatusCode, Json<SupplierBill>)> {
    Ok((
        StatusCode::CREATED,
        Json(erp::purchases::purchase_receipts::create(&erp.db, &caller.user, input).await?),
    ))
}

/// The month's purchase book (libro de compras), in lempiras; credit notes negative.
#[utoipa::path(get, path = "/api/v1/purchases/book", tag = "purchases", params(PurchaseBookQuery),
    responses((status = 200, body = PurchaseBook), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn purchase_book(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<PurchaseBookQuery>,
) -> ApiResult<Json<PurchaseBook>> {
    Ok(Json(book::purchase_book(&erp.db, &caller.user, q).await?))
}

/// The month's purchase declaration (DMC) for the SAR: a workbook of three
/// sheets (local purchases, FYDUCA, imports by DUA).
#[utoipa::path(get, path = "/api/v1/purchases/dmc", tag = "purchases", params(PurchaseBookQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn dmc(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<PurchaseBookQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(download(
        erp::purchases::dmc::dmc_xlsx(&erp.db, &caller.user, q).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(create_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(order_status))
        .routes(routes!(create_bill, list_bills))
        .routes(routes!(get_bill))
        .routes(routes!(reverse_bill))
        .routes(routes!(withholding_receipt))
        .routes(routes!(purchase_receipt_pdf))
        .routes(routes!(create_payment, list_payments))
        .routes(routes!(get_payment))
        .routes(routes!(reverse_payment))
        .routes(routes!(withholding_codes))
        .routes(routes!(withholdings))
        .routes(routes!(withholdings_csv))
        .routes(routes!(purchase_book))
        .routes(routes!(dmc))
        .routes(routes!(create_purchase_receipt))
}
