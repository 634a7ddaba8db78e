//! Purchase orders: what the company asked a supplier for, at which price,
//! in lempiras or dollars. Receipts name the order and its lines; what has
//! arrived of each line is what those receipts moved in, less what their
//! reversals took back. An order stays open until it is closed by hand (the
//! rest is no longer expected) or cancelled (only before anything arrived).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::numbers::line_too_large;
use crate::records::{audit_change, required_version};
use crate::roles::{Action, Resource};
use crate::sales::totals::cents;
use crate::stock::lines;
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrderLine {
    pub id: Uuid,
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    /// In the order's currency, before ISV.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "400000.00"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub unit_price: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub amount: Decimal,
    /// What receipts have brought in of this line.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub received: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrder {
    pub id: Uuid,
    pub doc_no: i32,
    /// "OC-00012".
    pub number: String,
    pub party_id: Uuid,
    pub party_name: String,
    pub order_date: NaiveDate,
    pub expected_date: Option<NaiveDate>,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::rate")]
    pub exchange_rate: Decimal,
    /// open, closed or cancelled.
    pub status: String,
    /// open, partial (something arrived), received (everything arrived),
    /// closed or cancelled.
    pub state: String,
    pub reference: String,
    pub memo: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub lines: Vec<PurchaseOrderLine>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderLineInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub product_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::quantity, required = true))]
    pub quantity: Option<Decimal>,
    /// In the order's currency, before ISV.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount_or_zero, required = true))]
    pub unit_price: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderInput {
    /// The supplier.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// Default: today.
    #[serde(default)]
    pub order_date: Option<NaiveDate>,
    #[serde(default)]
    pub expected_date: Option<NaiveDate>,
    /// HNL (default) or USD.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(HNL|USD)$"))]
    pub currency: Option<String>,
    /// Lempiras per dollar, for USD.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::exchange_rate))]
    pub exchange_rate: Option<Decimal>,
    /// The supplier's quotation or proforma.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub reference: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub memo: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, required = true))]
    pub lines: Vec<PurchaseOrderLineInput>,
}

/// Closing or cancelling an order.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderStatusInput {
    /// closed or cancelled.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(closed|cancelled)$", required = true)
    )]
    pub status: String,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderQuery {
    pub party_id: Option<Uuid>,
    /// open, closed or cancelled.
    #[cfg_attr(feature = "openapi", param(pattern = r"^(open|closed|cancelled)$"))]
    pub status: Option<String>,
    /// 1–200, default 50 (newest first).
    pub limit: Option<i64>,
}

/// What line `l` has received: moves out of the supplier location count
/// in, a reversal's moves back to it count out.
macro_rules! received {
    () => {
        "coalesce((SELECT sum(CASE WHEN f.kind = 'supplier' THEN m.quantity ELSE -m.quantity END)
                     FROM stock_moves m JOIN stock_locations f ON f.id = m.from_location_id
                    WHERE m.purchase_line_id = l.id), 0)"
    };
}

macro_rules! order_select {
    () => {
        concat!(
            "SELECT o.id, o.doc_no, 'OC-' || lpad(o.doc_no::text, 5, '0') AS number, o.party_id,
                    p.name AS party_name, o.order_date, o.expected_date, o.currency::text AS currency,
                    o.exchange_rate, o.status, o.reference, o.memo, o.total, o.version, o.created_at,
                    CASE WHEN o.status <> 'open' THEN o.status
                         ELSE (SELECT CASE WHEN bool_and(r.received >= r.quantity) THEN 'received'
                                           WHEN bool_or(r.received > 0) THEN 'partial'
                                           ELSE 'open' END
                                 FROM (SELECT l.quantity, ",
            received!(),
            " AS received FROM purchase_order_lines l WHERE l.order_id = o.id) r)
                    END AS state
               FROM purchase_orders o JOIN parties p ON p.id = o.party_id"
        )
    };
}

pub(crate) async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<PurchaseOrder> {
    let mut order: PurchaseOrder = sqlx::query_as(concat!(order_select!(), " WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("purchase_order_not_found"))?;
    order.lines = sqlx::query_as(concat!(
        "SELECT l.id, l.line_no, l.product_id, pr.sku, pr.name AS product_name, l.quantity,
                l.unit_price, l.amount, ",
        received!(),
        " AS received
           FROM purchase_order_lines l JOIN products pr ON pr.id = l.product_id
          WHERE l.order_id = $1 ORDER BY l.line_no"
    ))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(order)
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<PurchaseOrder> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let order = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(order)
}

pub async fn list(
    db: &Db,
    user: &SessionUser,
    q: PurchaseOrderQuery,
) -> Result<Vec<PurchaseOrder>> {
    if let Some(status) = q.status.as_deref()
        && !["open", "closed", "cancelled"].contains(&status)
    {
        return Err(Error::validation(
            "invalid_status",
            "/status",
            "status is open, closed or cancelled",
        ));
    }
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        order_select!(),
        " WHERE o.company_id = $1 AND ($2::uuid IS NULL OR o.party_id = $2)
            AND ($3::text IS NULL OR o.status = $3)
          ORDER BY o.order_date DESC, o.doc_no DESC LIMIT $4"
    ))
    .bind(access.company_id)
    .bind(q.party_id)
    .bind(q.status)
    .bind(crate::paging::limit(q.limit))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn create(
    db: &Db,
    user: &SessionUser,
    input: PurchaseOrderInput,
) -> Result<PurchaseOrder> {
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Create).await?;
    let mut checks = Checks::new();
    let reference = checks.text("/reference", &input.reference, 0, 100);
    let memo = checks.text("/memo", &input.memo, 0, 1000);
    let currency = input
        .currency
        .as_deref()
        .unwrap_or("HNL")
        .trim()
        .to_uppercase();
    let rate = checks.exchange_rate(&currency, input.exchange_rate);
    let party = lines::supplier(&mut tx, &mut checks, input.party_id).await?;
    if input.lines.is_empty() {
        checks.push(FieldIssue::new(
            "/lines",
            "required",
            "an order has at least one line",
        ));
    }
    let ids: Vec<Uuid> = input.lines.iter().filter_map(|l| l.product_id).collect();
    let products = crate::stock::ledger::products(&mut tx, &ids).await?;
    let mut rows = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let at = format!("/lines/{i}");
        let product = lines::product(&mut checks, &at, line.product_id, &products);
        let quantity = lines::quantity(&mut checks, &format!("{at}/quantity"), line.quantity);
        if let (Some(p), Some(q)) = (product, quantity)
            && p.by_unit()
            && !q.fract().is_zero()
        {
            checks.push(FieldIssue::new(
                &format!("{at}/quantity"),
                "whole_units",
                "units are ordered in whole numbers",
            ));
        }
        let price = lines::amount(
            &mut checks,
            &format!("{at}/unit_price"),
            line.unit_price,
            true,
        );
        if let (Some(q), Some(price)) = (quantity, price)
            && let Some(issue) = line_too_large(&format!("{at}/unit_price"), q, price)
        {
            // (said here, and left out of the total below)
            checks.push(issue);
        } else if let (Some(p), Some(q), Some(price)) = (product, quantity, price) {
            rows.push((p.id, q, price, cents(q * price)));
        }
    }
    if let (Some(order), Some(expected)) = (input.order_date, input.expected_date)
        && expected < order
    {
        checks.push(FieldIssue::new(
            "/expected_date",
            "before_order_date",
            "the goods cannot be expected before the order",
        ));
    }
    // Lines within their bounds (below 10^14 each) cannot overflow a sum
    // of 28 digits.
    let total: Decimal = rows.iter().map(|r| r.3).sum();
    checks.total_in_lempiras("/lines", total, rate);
    checks.finish()?;
    let date = crate::stock::date_or_today(&mut tx, input.order_date).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO purchase_orders (id, company_id, doc_no, party_id, order_date, expected_date, currency,
                                      exchange_rate, reference, memo, total, created_by)
         VALUES ($1, $2, next_document_no($2, 'purchase_order'), $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(access.company_id)
    .bind(party)
    .bind(date)
    .bind(input.expected_date)
    .bind(&currency)
    .bind(rate)
    .bind(&reference)
    .bind(&memo)
    .bind(total)
    .bind(access.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO purchase_order_lines (id, company_id, order_id, line_no, product_id, quantity, unit_price, amount)
         SELECT gen_random_uuid(), $1, $2, n - 1, p, q, u, a
           FROM unnest($3::uuid[], $4::numeric[], $5::numeric[], $6::numeric[]) WITH ORDINALITY AS x (p, q, u, a, n)",
    )
    .bind(access.company_id)
    .bind(id)
    .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.3).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let order = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "purchase_order",
        id,
        None,
        Some(&order),
    )
    .await?;
    tx.commit().await?;
    Ok(order)
}

/// Close an open order (what has not arrived is no longer expected) or
/// cancel one nothing has arrived for.
pub async fn set_status(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: OrderStatusInput,
) -> Result<PurchaseOrder> {
    let version = required_version(input.version)?;
    if !["closed", "cancelled"].contains(&input.status.as_str()) {
        return Err(Error::validation(
            "invalid_status",
            "/status",
            "status is closed or cancelled",
        ));
    }
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Update).await?;
    sqlx::query("SELECT 1 FROM purchase_orders WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let before = fetch(&mut tx, id).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    if before.status != "open" {
        return Err(Error::conflict(
            "purchase_order_not_open",
            format!("this order is {} already", before.status),
        ));
    }
    if input.status == "cancelled" && before.lines.iter().any(|l| l.received > Decimal::ZERO) {
        return Err(Error::conflict(
            "purchase_order_received",
            "goods of this order have arrived: close it instead",
        ));
    }
    sqlx::query(
        "UPDATE purchase_orders SET status = $2, version = version + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&input.status)
    .execute(&mut *tx)
    .await?;
    let after = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        if input.status == "closed" {
            "close"
        } else {
            "cancel"
        },
        "purchase_order",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// An order line a receipt may still receive: its product, what is still
/// expected, and its price in lempiras.
#[derive(Debug, Clone)]
pub(crate) struct OpenLine {
    pub id: Uuid,
    pub product_id: Uuid,
    pub outstanding: Decimal,
    pub unit_cost: Decimal,
}

/// The order a receipt names, locked until the receipt commits (two
/// receipts of one order take turns, so neither receives more than is
/// still expected): its supplier and open lines. Problems are recorded at
/// `/purchase_order_id`.
pub(crate) async fn receivable(
    tx: &mut sqlx::PgConnection,
    checks: &mut Checks,
    id: Uuid,
) -> Result<Option<(Uuid, Vec<OpenLine>)>> {
    let head: Option<(Uuid, String)> =
        sqlx::query_as("SELECT party_id, status FROM purchase_orders WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((party, status)) = head else {
        checks.push(FieldIssue::new(
            "/purchase_order_id",
            "unknown_purchase_order",
            "no such purchase order in this company",
        ));
        return Ok(None);
    };
    if status != "open" {
        checks.push(FieldIssue::new(
            "/purchase_order_id",
            "purchase_order_not_open",
            format!("this order is {status}"),
        ));
        return Ok(None);
    }
    let order = fetch(&mut *tx, id).await?;
    let open = order
        .lines
        .iter()
        .map(|l| OpenLine {
            id: l.id,
            product_id: l.product_id,
            outstanding: (l.quantity - l.received).max(Decimal::ZERO),
            unit_cost: (l.unit_price * order.exchange_rate).round_dp(4),
        })
        .collect();
    Ok(Some((party, open)))
}
