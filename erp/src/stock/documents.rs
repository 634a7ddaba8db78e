//! Stock documents as they are read back: the document, its moves with the
//! product, unit and locations named, and what a count found; the list,
//! newest first; and the reversal, the only correction a posted document
//! has.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::ledger::{self, DocumentSpec, MoveSpec};
use crate::access::Access;
use crate::db::Db;
use crate::paging::{self, Cursor, Page};
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

pub const KINDS: [&str; 6] = [
    "receipt",
    "transfer",
    "count",
    "delivery",
    "return",
    "landed_cost",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockMove {
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    pub serial_id: Option<Uuid>,
    /// The unit's serial number (the VIN of a vehicle).
    pub serial: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    pub from_location_id: Uuid,
    pub from_code: String,
    pub to_location_id: Uuid,
    pub to_code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    #[serde(serialize_with = "crate::decimal_out::option_four_places")]
    pub unit_cost: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "400000.00"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub value: Decimal,
    /// The invoice or credit note line a delivery or return carries out.
    pub sales_line_id: Option<Uuid>,
    /// The purchase order line a receipt receives.
    pub purchase_line_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLine {
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub expected: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub counted: Decimal,
    /// The serial numbers found, for products tracked by unit.
    pub found: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockDocument {
    pub id: Uuid,
    /// receipt, transfer, count, delivery, return or landed_cost.
    pub kind: String,
    pub doc_no: i32,
    /// "REC-00012": the kind's prefix and running number.
    pub number: String,
    pub doc_date: NaiveDate,
    pub party_id: Option<Uuid>,
    pub party_name: Option<String>,
    pub reference: String,
    pub memo: String,
    pub reverses_id: Option<Uuid>,
    /// The invoice a delivery delivers, the credit note a return takes back.
    pub sales_document_id: Option<Uuid>,
    /// The purchase order a receipt receives against.
    pub purchase_order_id: Option<Uuid>,
    /// The remission guide of a transfer on the road, and its CAI.
    pub remission_number: Option<String>,
    pub remission_cai: Option<String>,
    pub remission_deadline: Option<NaiveDate>,
    /// The document that reversed this one.
    pub reversed_by: Option<Uuid>,
    /// The journal entry it booked (none for a transfer between warehouses).
    pub journal_entry_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub value: Decimal,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub moves: Vec<StockMove>,
    #[sqlx(skip)]
    pub count_lines: Vec<CountLine>,
    /// What a landed-cost document spread, by kind.
    #[sqlx(skip)]
    pub landed_costs: Vec<LandedCost>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LandedCost {
    /// freight, dai, selectivo, insurance, broker or other.
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "50000.00"))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub amount: Decimal,
}

macro_rules! document_select {
    () => {
        "SELECT d.id, d.kind, d.doc_no,
                stock_document_number(d.kind, d.doc_no) AS number,
                d.doc_date, d.party_id, p.name AS party_name, d.reference, d.memo, d.reverses_id,
                d.sales_document_id, d.purchase_order_id, d.remission_number, d.remission_cai,
                d.remission_deadline,
                (SELECT r.id FROM stock_documents r WHERE r.reverses_id = d.id) AS reversed_by,
                d.journal_entry_id,
                coalesce((SELECT sum(m.value) FROM stock_moves m WHERE m.document_id = d.id), 0) AS value,
                d.created_at
           FROM stock_documents d LEFT JOIN parties p ON p.id = d.party_id"
    };
}

pub(crate) async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<StockDocument> {
    let mut doc: StockDocument = sqlx::query_as(concat!(document_select!(), " WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("stock_document_not_found"))?;
    doc.moves = sqlx::query_as(
        "SELECT m.line_no, m.product_id, p.sku, p.name AS product_name, m.serial_id, s.serial,
                m.quantity, m.from_location_id, f.code AS from_code, m.to_location_id, t.code AS to_code,
                m.unit_cost, m.value, m.sales_line_id, m.purchase_line_id
           FROM stock_moves m
           JOIN products p ON p.id = m.product_id
           JOIN stock_locations f ON f.id = m.from_location_id
           JOIN stock_locations t ON t.id = m.to_location_id
           LEFT JOIN serial_numbers s ON s.id = m.serial_id
          WHERE m.document_id = $1 ORDER BY m.line_no",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    doc.count_lines = sqlx::query_as(
        "SELECT c.location_id, c.product_id, p.sku, c.expected, c.counted,
                coalesce((SELECT array_agg(s.serial ORDER BY s.serial) FROM serial_numbers s
                           WHERE s.id = ANY (c.found)), '{}') AS found
           FROM stock_count_lines c JOIN products p ON p.id = c.product_id
          WHERE c.document_id = $1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    doc.landed_costs = sqlx::query_as(
        "SELECT kind, amount FROM stock_landed_costs WHERE document_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(doc)
}

pub async fn get(db: &Db, user: &SessionUser, id: Uuid) -> Result<StockDocument> {
    let (_, mut tx) = Access::begin(db, user, Resource::Stock, Action::Read).await?;
    let doc = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(doc)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct StockDocumentQuery {
    /// receipt, transfer, count, delivery, return or landed_cost.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^(receipt|transfer|count|delivery|return|landed_cost)?$")
    )]
    pub kind: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Documents that moved this product.
    pub product_id: Option<Uuid>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// Newest first, without their moves.
pub async fn list(
    db: &Db,
    user: &SessionUser,
    q: StockDocumentQuery,
) -> Result<Page<StockDocument>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Stock, Action::Read).await?;
    let limit = paging::limit(q.limit);
    let cursor = Cursor::read(q.cursor.as_deref())?;
    let mut qb = QueryBuilder::<Postgres>::new(concat!(document_select!(), " WHERE true"));
    if let Some(kind) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        if !KINDS.contains(&kind) {
            return Err(Error::validation(
                "invalid_kind",
                "/kind",
                "kind is receipt, transfer, count, delivery, return or landed_cost",
            ));
        }
        qb.push(" AND d.kind = ").push_bind(kind.to_owned());
    }
    if let Some(from) = q.from {
        qb.push(" AND d.doc_date >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(" AND d.doc_date <= ").push_bind(to);
    }
    if let Some(product) = q.product_id {
        qb.push(" AND EXISTS (SELECT 1 FROM stock_moves m WHERE m.document_id = d.id AND m.product_id = ")
            .push_bind(product)
            .push(")");
    }
    if let Some(c) = &cursor {
        // (the cursor's id alone orders: ids are time-ordered UUIDv7)
        qb.push(" AND d.id < ").push_bind(c.id);
    }
    qb.push(" ORDER BY d.id DESC LIMIT ").push_bind(limit + 1);
    let rows: Vec<StockDocument> = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(paging::page(rows, limit, |d| Cursor {
        key: d.doc_no.to_string(),
        id: d.id,
    }))
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = StockReverseInput))]
#[serde(deny_unknown_fields)]
pub struct ReverseInput {
    /// Why (kept on the reversing document).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
}

/// Post the document that undoes `id`: every move back, at the value it
/// had, and the mirror of its journal entry. Refused when the goods are no
/// longer where the document put them.
pub async fn reverse(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: ReverseInput,
) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Archive).await?;
    let original = fetch(&mut tx, id).await?;
    if original.reversed_by.is_some() || original.reverses_id.is_some() {
        return Err(Error::conflict(
            "already_reversed",
            "this document is a reversal or has been reversed already",
        ));
    }
    let memo = crate::validate::Checks::new().text("/memo", &input.memo, 0, 500);
    let date = super::date_or_today(&mut tx, input.doc_date).await?;
    let spec = DocumentSpec {
        kind: match original.kind.as_str() {
            "receipt" => "receipt",
            "transfer" => "transfer",
            "count" => "count",
            "delivery" => "delivery",
            "return" => "return",
            _ => "landed_cost",
        },
        date,
        party_id: original.party_id,
        reference: format!("Anula {}", original.number),
        memo,
        reverses_id: Some(original.id),
        sales_document_id: original.sales_document_id,
        purchase_order_id: original.purchase_order_id,
        remission: None,
        counted: Vec::new(),
        landed: Vec::new(),
        moves: original
            .moves
            .iter()
            .map(|m| MoveSpec {
                pointer: format!("/moves/{}", m.line_no),
                product_id: m.product_id,
                serial_id: m.serial_id,
                quantity: m.quantity,
                from: m.to_location_id,
                to: m.from_location_id,
                value: Some(m.value),
                sales_line_id: m.sales_line_id,
                purchase_line_id: m.purchase_line_id,
            })
            .collect(),
    };
    record(tx, &access, &spec).await
}

/// Post `spec`, audit the document as it reads back, commit, and return it.
pub(crate) async fn record(
    mut tx: crate::access::Tx,
    access: &Access,
    spec: &DocumentSpec,
) -> Result<StockDocument> {
    let doc = record_in(&mut tx, access, spec).await?;
    tx.commit().await?;
    Ok(doc)
}

/// Post `spec` and audit it inside a transaction another document owns
/// (a purchase receipt's unit arrives with the purchase).
pub(crate) async fn record_in(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    spec: &DocumentSpec,
) -> Result<StockDocument> {
    let id = ledger::post(&mut *tx, access, spec).await?;
    let doc = fetch(&mut *tx, id).await?;
    audit_change(
        &mut *tx,
        access,
        "create",
        "stock_document",
        doc.id,
        None,
        Some(&doc),
    )
    .await?;
    Ok(doc)
}
