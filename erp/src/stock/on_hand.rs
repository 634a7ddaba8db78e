//! What the stock ledger says: quantities on hand per location (available,
//! reserved, in transit), the valuation at a date beside the ledger's
//! inventory balance that day, and vehicles by unit with their history.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnHandRow {
    /// Whose stock (several companies when consolidated).
    pub company_name: String,
    pub location_id: Uuid,
    pub location_code: String,
    /// internal or transit.
    pub location_kind: String,
    pub warehouse_id: Option<Uuid>,
    pub branch_id: Option<Uuid>,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "3"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    /// Units promised to a confirmed sales order.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub reserved: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub available: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct OnHandQuery {
    /// Company ids separated by commas, consolidated; the active company
    /// when missing.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){0,49})?$"
        )
    )]
    pub companies: Option<String>,
    pub branch_id: Option<Uuid>,
    pub warehouse_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    /// Part of the product's name or SKU (accents and case ignored).
    pub q: Option<String>,
}

/// Quantities on hand, by location and product (rows with nothing left
/// are not listed).
pub async fn on_hand(db: &Db, user: &SessionUser, q: OnHandQuery) -> Result<Vec<OnHandRow>> {
    let (_, mut tx) = Access::begin_chosen(
        db,
        user,
        q.companies.as_deref(),
        Resource::Stock,
        Action::Read,
    )
    .await?;
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT c.name AS company_name, h.location_id, l.code AS location_code, l.kind AS location_kind, l.warehouse_id,
                w.branch_id, h.product_id, p.sku, p.name AS product_name, h.quantity,
                r.reserved, h.quantity - r.reserved AS available
           FROM stock_on_hand h
           JOIN stock_locations l ON l.id = h.location_id
           LEFT JOIN warehouses w ON w.id = l.warehouse_id
           JOIN products p ON p.id = h.product_id
           JOIN companies c ON c.id = p.company_id
           CROSS JOIN LATERAL (SELECT count(*)::numeric AS reserved FROM serial_numbers s
                                WHERE s.location_id = h.location_id AND s.product_id = h.product_id
                                  AND s.reserved_by IS NOT NULL) r
          WHERE h.quantity > 0",
    );
    if let Some(b) = q.branch_id {
        qb.push(" AND w.branch_id = ").push_bind(b);
    }
    if let Some(w) = q.warehouse_id {
        qb.push(" AND l.warehouse_id = ").push_bind(w);
    }
    if let Some(l) = q.location_id {
        qb.push(" AND h.location_id = ").push_bind(l);
    }
    if let Some(p) = q.product_id {
        qb.push(" AND h.product_id = ").push_bind(p);
    }
    if let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) {
        // (the rows are those with stock, few enough to filter without an index)
        qb.push(" AND p.search LIKE '%' || search_norm(")
            .push_bind(text.trim().replace(['%', '_', '\\', '\0'], ""))
            .push(") || '%'");
    }
    qb.push(" ORDER BY c.name, l.code, p.sku");
    let rows = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValuationRow {
    /// Whose stock (several companies when consolidated).
    pub company_name: String,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    pub is_vehicle: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub value: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Valuation {
    pub date: NaiveDate,
    pub rows: Vec<ValuationRow>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
    /// The balance of the inventory accounts (vehicles, parts, in transit)
    /// in the ledger that day; equal to `total` unless someone posted to
    /// them by hand.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub ledger_balance: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ValuationQuery {
    /// At the end of this day; default today.
    pub date: Option<NaiveDate>,
    /// Company ids separated by commas, consolidated (the ledger balance
    /// too); the active company when missing.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){0,49})?$"
        )
    )]
    pub companies: Option<String>,
}

/// Quantity and value held per product at the end of `date`: what is held
/// now (`stock_values`, kept by the database) less the moves after that day
/// that entered or left held stock — a handful for a recent day, however
/// long the ledger. Beside it the ledger's inventory balance that day: the
/// monthly totals of the months before, plus the entries of its own month.
pub async fn valuation(db: &Db, user: &SessionUser, q: ValuationQuery) -> Result<Valuation> {
    let (_, mut tx) = Access::begin_chosen(
        db,
        user,
        q.companies.as_deref(),
        Resource::Stock,
        Action::Read,
    )
    .await?;
    let date = super::date_or_today(&mut tx, q.date).await?;
    let rows: Vec<ValuationRow> = sqlx::query_as(
        "WITH later AS (
             SELECT m.product_id,
                    sum(CASE WHEN t.kind IN ('internal', 'transit') THEN m.quantity ELSE -m.quantity END) AS quantity,
                    sum(CASE WHEN t.kind IN ('internal', 'transit') THEN m.value ELSE -m.value END) AS value
               FROM stock_moves m
               JOIN stock_locations f ON f.id = m.from_location_id
               JOIN stock_locations t ON t.id = m.to_location_id
              WHERE m.move_date > $1
                AND (f.kind IN ('internal', 'transit')) <> (t.kind IN ('internal', 'transit'))
              GROUP BY m.product_id),
         v AS (
             SELECT coalesce(s.product_id, l.product_id) AS product_id,
                    coalesce(s.quantity, 0) - coalesce(l.quantity, 0) AS quantity,
                    coalesce(s.value, 0) - coalesce(l.value, 0) AS value
               FROM stock_values s FULL JOIN later l ON l.product_id = s.product_id)
         SELECT c.name AS company_name, p.id AS product_id, p.sku, p.name AS product_name,
                p.is_vehicle, v.quantity, v.value
           FROM v JOIN products p ON p.id = v.product_id JOIN companies c ON c.id = p.company_id
          WHERE v.quantity <> 0 OR v.value <> 0
          ORDER BY c.name, p.sku",
    )
    .bind(date)
    .fetch_all(&mut *tx)
    .await?;
    let ledger_balance: Decimal = sqlx::query_scalar(
        "WITH inventory AS (
             SELECT account_id FROM ledger_accounts
              WHERE purpose IN ('inventory_vehicles', 'inventory_parts', 'inventory_transit'))
         SELECT coalesce((SELECT sum(t.debit - t.credit) FROM ledger_totals t
                           WHERE t.account_id IN (SELECT account_id FROM inventory)
                             AND t.period < date_trunc('month', $1::date)), 0)
              + coalesce((SELECT sum(l.debit - l.credit)
                            FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
                           WHERE e.entry_date BETWEEN date_trunc('month', $1::date) AND $1
                             AND l.account_id IN (SELECT account_id FROM inventory)), 0)",
    )
    .bind(date)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let total = rows.iter().map(|r| r.value).sum();
    Ok(Valuation {
        date,
        rows,
        total,
        ledger_balance,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    /// Whose unit (several companies when consolidated).
    pub company_name: String,
    pub id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    /// The VIN of a vehicle.
    pub serial: String,
    pub engine_no: String,
    pub colour: String,
    pub model_year: Option<i32>,
    /// registered, in_transit, available, reserved, delivered, returned or lost.
    pub status: String,
    pub location_id: Option<Uuid>,
    pub location_code: Option<String>,
    /// Its own cost: purchase price plus its share of landed costs.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub cost: Decimal,
    /// Days since it was first received (none before).
    pub age_days: Option<i32>,
    pub created_at: DateTime<Utc>,
}

pub const UNIT_STATUSES: [&str; 7] = [
    "registered",
    "in_transit",
    "available",
    "reserved",
    "delivered",
    "returned",
    "lost",
];

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    /// Company ids separated by commas, consolidated; the active company
    /// when missing.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){0,49})?$"
        )
    )]
    pub companies: Option<String>,
    /// registered, in_transit, available, reserved, delivered, returned or lost.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^(registered|in_transit|available|reserved|delivered|returned|lost)?$")
    )]
    pub status: Option<String>,
    /// Only the units still held (in transit, available or reserved).
    pub held: Option<bool>,
    pub product_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub warehouse_id: Option<Uuid>,
    /// Part of the serial number (VIN).
    pub q: Option<String>,
}

macro_rules! unit_select {
    () => {
        "SELECT c.name AS company_name, s.id, s.product_id, p.sku, p.name AS product_name, s.serial, s.engine_no, s.colour,
                s.model_year, s.status, s.location_id, l.code AS location_code, s.cost,
                (SELECT (hn_today() - min(m.move_date))::int FROM stock_moves m
                  WHERE m.serial_id = s.id AND m.quantity > 0) AS age_days,
                s.created_at
           FROM serial_numbers s
           JOIN products p ON p.id = s.product_id
           JOIN companies c ON c.id = s.company_id
           LEFT JOIN stock_locations l ON l.id = s.location_id"
    };
}

/// Units (vehicles and other serial-tracked goods), by serial number.
pub async fn units(db: &Db, user: &SessionUser, q: UnitQuery) -> Result<Vec<Unit>> {
    let (_, mut tx) = Access::begin_chosen(
        db,
        user,
        q.companies.as_deref(),
        Resource::Stock,
        Action::Read,
    )
    .await?;
    let mut qb = QueryBuilder::<Postgres>::new(concat!(unit_select!(), " WHERE true"));
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if !UNIT_STATUSES.contains(&status) {
            return Err(Error::validation(
                "invalid_status",
                "/status",
                "status is registered, in_transit, available, reserved, delivered, returned or lost",
            ));
        }
        qb.push(" AND s.status = ").push_bind(status.to_owned());
    }
    if q.held == Some(true) {
        qb.push(" AND s.status IN ('in_transit', 'available', 'reserved')");
    }
    if let Some(p) = q.product_id {
        qb.push(" AND s.product_id = ").push_bind(p);
    }
    if let Some(l) = q.location_id {
        qb.push(" AND s.location_id = ").push_bind(l);
    }
    if let Some(w) = q.warehouse_id {
        qb.push(" AND l.warehouse_id = ").push_bind(w);
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        qb.push(" AND s.serial LIKE ").push_bind(format!(
            "%{}%",
            text.to_ascii_uppercase().replace(['%', '_', '\0'], "")
        ));
    }
    qb.push(" ORDER BY s.serial LIMIT 1000");
    let rows = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitEvent {
    pub document_id: Uuid,
    pub kind: String,
    pub number: String,
    pub doc_date: NaiveDate,
    pub from_code: String,
    pub to_code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub quantity: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub value: Decimal,
    /// The unit's cost after this move.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub cost_after: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitHistory {
    #[serde(flatten)]
    pub unit: Unit,
    /// Every move of the unit, oldest first, with its cost layers.
    pub history: Vec<UnitEvent>,
}

pub async fn unit(db: &Db, user: &SessionUser, id: Uuid) -> Result<UnitHistory> {
    let (_, mut tx) = Access::begin(db, user, Resource::Stock, Action::Read).await?;
    let unit: Unit = sqlx::query_as(concat!(unit_select!(), " WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("unit_not_found"))?;
    // The cost after each move: a purchase sets it, a value-only move
    // (landed cost) adds to it or takes from it, other moves carry it.
    let history: Vec<UnitEvent> = sqlx::query_as(
        "SELECT d.id AS document_id, d.kind,
                stock_document_number(d.kind, d.doc_no) AS number,
                d.doc_date, f.code AS from_code, t.code AS to_code, m.quantity, m.value,
                sum(CASE WHEN m.quantity = 0 AND t.kind IN ('internal', 'transit') THEN m.value
                         WHEN m.quantity = 0 THEN -m.value
                         WHEN f.kind = 'supplier' THEN m.value
                         WHEN t.kind = 'supplier' THEN -m.value ELSE 0 END)
                    OVER (ORDER BY m.id) AS cost_after
           FROM stock_moves m
           JOIN stock_documents d ON d.id = m.document_id
           JOIN stock_locations f ON f.id = m.from_location_id
           JOIN stock_locations t ON t.id = m.to_location_id
          WHERE m.serial_id = $1
          ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(UnitHistory { unit, history })
}
