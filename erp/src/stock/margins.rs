//! Gross margin of what was delivered: per invoice line delivered (per
//! unit for vehicles), what it sold for in lempiras before ISV against what
//! it cost. What a credit note takes back comes back as a row of its own,
//! dated by the return and named by the credit note, with revenue, cost and
//! margin negative, so the margins net returns. A reversed delivery or
//! return counts neither way.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::{Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarginRow {
    /// The day of the delivery (or of the return).
    pub delivery_date: NaiveDate,
    /// The invoice (or the credit note of a return).
    pub invoice_id: Uuid,
    /// The invoice's (or credit note's) fiscal number.
    pub invoice_number: Option<String>,
    pub product_id: Uuid,
    pub sku: String,
    pub serial_id: Option<Uuid>,
    /// The VIN of a vehicle.
    pub serial: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    /// What it sold for, in lempiras, before ISV.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub revenue: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub cost: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub margin: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct MarginQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub product_id: Option<Uuid>,
    /// Only vehicles (units).
    pub units_only: Option<bool>,
}

pub async fn margins(db: &Db, user: &SessionUser, q: MarginQuery) -> Result<Vec<MarginRow>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Stock, Action::Read).await?;
    let rows = sqlx::query_as(
        "SELECT sd.doc_date AS delivery_date, d.id AS invoice_id, d.fiscal_number AS invoice_number,
                m.product_id, p.sku, m.serial_id, s.serial, sign * m.quantity AS quantity,
                sign * round(l.net * d.exchange_rate * m.quantity / l.quantity, 2) AS revenue,
                sign * m.value AS cost,
                sign * (round(l.net * d.exchange_rate * m.quantity / l.quantity, 2) - m.value) AS margin
           FROM stock_moves m
           JOIN stock_documents sd ON sd.id = m.document_id
           CROSS JOIN LATERAL (SELECT CASE sd.kind WHEN 'return' THEN -1 ELSE 1 END AS sign) k
           JOIN sales_document_lines l ON l.id = m.sales_line_id
           JOIN sales_documents d ON d.id = l.document_id
           JOIN products p ON p.id = m.product_id
           LEFT JOIN serial_numbers s ON s.id = m.serial_id
          WHERE sd.kind IN ('delivery', 'return') AND sd.reverses_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM stock_documents r WHERE r.reverses_id = sd.id)
            AND ($1::date IS NULL OR sd.doc_date >= $1)
            AND ($2::date IS NULL OR sd.doc_date <= $2)
            AND ($3::uuid IS NULL OR m.product_id = $3)
            AND (NOT $4 OR m.serial_id IS NOT NULL)
          ORDER BY sd.doc_date, d.fiscal_number, m.line_no",
    )
    .bind(q.from)
    .bind(q.to)
    .bind(q.product_id)
    .bind(q.units_only.unwrap_or(false))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}
