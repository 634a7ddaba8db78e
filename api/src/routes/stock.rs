//! Inventory: stock locations (the record routes of `records.rs`), the
//! documents that move stock (receipts, transfers, counts; reversal), and
//! what the stock ledger says (on hand, valuation, units).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use erp::Erp;
use erp::paging::Page;
use erp::stock::counts::{self, CountInput};
use erp::stock::deliveries::{self, DeliveryInput};
use erp::stock::documents::{self, ReverseInput, StockDocument, StockDocumentQuery};
use erp::stock::landed_costs::{self, LandedCostInput};
use erp::stock::locations::{Location, LocationInput, LocationQuery};
use erp::stock::margins::{self, MarginQuery, MarginRow};
use erp::stock::on_hand::{
    self, OnHandQuery, OnHandRow, Unit, UnitHistory, UnitQuery, Valuation, ValuationQuery,
};
use erp::stock::receipts::{self, ReceiptInput};
use erp::stock::returns::{self, ReturnInput};
use erp::stock::transfers::{self, TransferInput};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::json;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

crate::record_routes!(mod location_routes, "/api/v1/stock-locations", "stock", Location, LocationInput, LocationQuery);

/// Goods received from a supplier into a warehouse location or into
/// transit, at purchase cost; vehicles as units with their VINs. Books
/// inventory against goods received not invoiced.
#[utoipa::path(post, path = "/api/v1/stock/receipts", tag = "stock", request_body = ReceiptInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn receive(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<ReceiptInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(receipts::create(&erp.db, &caller.user, input).await?),
    ))
}

/// Costs of bringing a receipt's goods in (DUA: freight, DAI, selectivo,
/// insurance, broker), spread over its lines by value, quantity or by hand
/// into each unit's cost or the product's average.
#[utoipa::path(post, path = "/api/v1/stock/landed-costs", tag = "stock", request_body = LandedCostInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn land(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<LandedCostInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(landed_costs::create(&erp.db, &caller.user, input).await?),
    ))
}

/// Goods from one held location to another (warehouse to warehouse, or
/// arrival from transit) at their cost.
#[utoipa::path(post, path = "/api/v1/stock/transfers", tag = "stock", request_body = TransferInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn transfer(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<TransferInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(transfers::create(&erp.db, &caller.user, input).await?),
    ))
}

/// The goods of a posted invoice handed to the customer (units at their
/// own cost, the rest at the average), booking cost of sales; in parts if
/// need be, never twice.
#[utoipa::path(post, path = "/api/v1/stock/deliveries", tag = "stock", request_body = DeliveryInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn deliver(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<DeliveryInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(deliveries::create(&erp.db, &caller.user, input).await?),
    ))
}

/// The goods a posted credit note takes back, into a warehouse location at
/// what they cost when delivered (a unit becomes `returned`, sellable).
#[utoipa::path(post, path = "/api/v1/stock/returns", tag = "stock", request_body = ReturnInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn take_back(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<ReturnInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(returns::create(&erp.db, &caller.user, input).await?),
    ))
}

/// Gross margin per delivered invoice line (per unit for vehicles).
#[utoipa::path(get, path = "/api/v1/stock/margins", tag = "stock", params(MarginQuery),
    responses((status = 200, body = Vec<MarginRow>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn margin(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<MarginQuery>,
) -> ApiResult<Json<Vec<MarginRow>>> {
    Ok(Json(margins::margins(&erp.db, &caller.user, q).await?))
}

/// A count at one location; differences are adjusted against the loss location.
#[utoipa::path(post, path = "/api/v1/stock/counts", tag = "stock", request_body = CountInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn count(
    State(erp): State<Erp>,
    caller: Caller,
    json::Json(input): json::Json<CountInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(counts::create(&erp.db, &caller.user, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/stock/documents", tag = "stock", params(StockDocumentQuery),
    responses((status = 200, body = Page<StockDocument>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<StockDocumentQuery>,
) -> ApiResult<Json<Page<StockDocument>>> {
    Ok(Json(documents::list(&erp.db, &caller.user, q).await?))
}

#[utoipa::path(get, path = "/api/v1/stock/documents/{id}", tag = "stock", params(("id" = Uuid, Path)),
    responses((status = 200, body = StockDocument), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<StockDocument>> {
    Ok(Json(documents::get(&erp.db, &caller.user, id).await?))
}

/// The remission guide of a transfer on the road, printed to travel with
/// the goods (409 for a document without one).
#[utoipa::path(get, path = "/api/v1/stock/documents/{id}/remission-guide", tag = "stock", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn remission_guide(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::response::Response> {
    let printed = erp::stock::remission_print::pdf(&erp.db, &caller.user, id).await?;
    Ok(super::common::pdf_response(printed.file_name, printed.pdf))
}

/// Post the document that undoes this one (answers it); refused when the
/// goods have moved on since.
#[utoipa::path(post, path = "/api/v1/stock/documents/{id}/reverse", tag = "stock", params(("id" = Uuid, Path)), request_body = ReverseInput,
    responses((status = 201, body = StockDocument),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reverse(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
    json::Json(input): json::Json<ReverseInput>,
) -> ApiResult<(StatusCode, Json<StockDocument>)> {
    Ok((
        StatusCode::CREATED,
        Json(documents::reverse(&erp.db, &caller.user, id, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/stock/on-hand", tag = "stock", params(OnHandQuery),
    responses((status = 200, body = Vec<OnHandRow>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn stock_on_hand(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<OnHandQuery>,
) -> ApiResult<Json<Vec<OnHandRow>>> {
    Ok(Json(on_hand::on_hand(&erp.db, &caller.user, q).await?))
}

/// Quantity and value per product at the end of a day, with the ledger's
/// inventory balance that day.
#[utoipa::path(get, path = "/api/v1/stock/valuation", tag = "stock", params(ValuationQuery),
    responses((status = 200, body = Valuation), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn valuation(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<ValuationQuery>,
) -> ApiResult<Json<Valuation>> {
    Ok(Json(on_hand::valuation(&erp.db, &caller.user, q).await?))
}

#[utoipa::path(get, path = "/api/v1/stock/units", tag = "stock", params(UnitQuery),
    responses((status = 200, body = Vec<Unit>), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn units(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Json<Vec<Unit>>> {
    Ok(Json(on_hand::units(&erp.db, &caller.user, q).await?))
}

/// A unit with every move and cost layer, oldest first.
#[utoipa::path(get, path = "/api/v1/stock/units/{id}", tag = "stock", params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitHistory), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unit(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<UnitHistory>> {
    Ok(Json(on_hand::unit(&erp.db, &caller.user, id).await?))
}

pub fn routes() -> OpenApiRouter<Erp> {
    location_routes::routes()
        .routes(routes!(receive))
        .routes(routes!(land))
        .routes(routes!(transfer))
        .routes(routes!(count))
        .routes(routes!(deliver))
        .routes(routes!(take_back))
        .routes(routes!(margin))
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(remission_guide))
        .routes(routes!(reverse))
        .routes(routes!(stock_on_hand))
        .routes(routes!(valuation))
        .routes(routes!(units))
        .routes(routes!(unit))
}
