//! Stock count at one location: for each product counted, what was found
//! (a quantity, or the units by serial number). The difference from what
//! the ledger holds is adjusted against the loss location: a shortage at
//! its cost (a unit's own, the average otherwise) books a loss, a surplus
//! enters at the average (a lost unit found again at its cost). The count
//! is kept line by line even where nothing differed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::documents::{self, StockDocument};
use super::ledger::{self, CountSpec, DocumentSpec, MoveSpec};
use super::lines;
use super::transfers::units_by_serial;
use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLineInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub product_id: Option<Uuid>,
    /// The quantity found, for products not tracked by unit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::counted, required = true))]
    pub counted: Option<Decimal>,
    /// The serial numbers (VINs) found, for products tracked by unit.
    #[serde(default)]
    pub serials: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    /// The location counted: a warehouse's (or the in-transit one).
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub location_id: Option<Uuid>,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, required = true))]
    pub lines: Vec<CountLineInput>,
}

pub async fn create(db: &Db, user: &SessionUser, input: CountInput) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Create).await?;
    let mut checks = Checks::new();
    let memo = checks.text("/memo", &input.memo, 0, 500);
    let place =
        lines::held_location(&mut tx, &mut checks, "/location_id", input.location_id).await?;
    let loss = ledger::virtual_location(&mut tx, "loss").await?;
    if input.lines.is_empty() {
        checks.push(FieldIssue::new(
            "/lines",
            "required",
            "a count has at least one line",
        ));
    }
    let product_ids: Vec<Uuid> = input.lines.iter().filter_map(|l| l.product_id).collect();
    // What is expected is read under the products' lock, so a move posted
    // meanwhile cannot slip between the count and its adjustment.
    ledger::lock_products(&mut tx, &product_ids).await?;
    let products = ledger::products(&mut tx, &product_ids).await?;
    let on_hand: Vec<(Uuid, Decimal)> = sqlx::query_as(
        "SELECT product_id, quantity FROM stock_on_hand WHERE location_id = $1 AND product_id = ANY($2)",
    )
    .bind(place)
    .bind(&product_ids)
    .fetch_all(&mut *tx)
    .await?;
    // Units of the counted products here, and those named in the count.
    let here: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, product_id FROM serial_numbers WHERE location_id = $1 AND product_id = ANY($2)",
    )
    .bind(place)
    .bind(&product_ids)
    .fetch_all(&mut *tx)
    .await?;
    let named: Vec<String> = input
        .lines
        .iter()
        .flat_map(|l| l.serials.iter().map(|s| s.trim().to_ascii_uppercase()))
        .collect();
    let named = units_by_serial(&mut tx, &named).await?;
    let lost: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM serial_numbers WHERE location_id = $1")
            .bind(loss)
            .fetch_all(&mut *tx)
            .await?;

    let mut moves = Vec::new();
    let mut counted = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let at = format!("/lines/{i}");
        let Some(product) = lines::product(&mut checks, &at, line.product_id, &products) else {
            continue;
        };
        if counted
            .iter()
            .any(|c: &CountSpec| c.product_id == product.id)
        {
            checks.push(FieldIssue::new(
                &format!("{at}/product_id"),
                "product_repeated",
                "this product is counted on another line",
            ));
            continue;
        }
        let (Some(place), expected) = (
            place,
            on_hand
                .iter()
                .find(|(p, _)| *p == product.id)
                .map_or(Decimal::ZERO, |(_, q)| *q),
        ) else {
            continue;
        };
        if !product.by_unit() {
            let Some(found) = lines::counted(&mut checks, &format!("{at}/counted"), line.counted)
            else {
                continue;
            };
            let difference = found - expected;
            if !difference.is_zero() {
                let (from, to) = if difference.is_sign_negative() {
                    (place, loss)
                } else {
                    (loss, place)
                };
                moves.push(MoveSpec {
                    pointer: at.clone(),
                    product_id: product.id,
                    serial_id: None,
                    quantity: difference.abs(),
                    from,
                    to,
                    value: None,
                    sales_line_id: None,
                    purchase_line_id: None,
                });
            }
            counted.push(CountSpec {
                location_id: place,
                product_id: product.id,
                expected,
                counted: found,
                found: Vec::new(),
            });
            continue;
        }
        let mut found = Vec::new();
        for (j, serial) in line.serials.iter().enumerate() {
            let pointer = format!("{at}/serials/{j}");
            let serial = serial.trim().to_ascii_uppercase();
            let Some(unit) = named
                .iter()
                .find(|u| u.serial == serial && u.product_id == product.id)
            else {
                checks.push(FieldIssue::new(
                    &pointer,
                    "unknown_serial",
                    "no unit of this product with this serial number",
                ));
                continue;
            };
            if found.contains(&unit.id) {
                checks.push(FieldIssue::new(
                    &pointer,
                    "serial_repeated",
                    "this serial number is listed twice",
                ));
                continue;
            }
            let is_here = here.iter().any(|(u, _)| *u == unit.id);
            if !is_here && !lost.contains(&unit.id) {
                checks.push(FieldIssue::new(
                    &pointer,
                    "unit_elsewhere",
                    "this unit is at another location: transfer it here first",
                ));
                continue;
            }
            if !is_here {
                // a lost unit found again comes back at its cost
                moves.push(MoveSpec {
                    pointer: pointer.clone(),
                    product_id: product.id,
                    serial_id: Some(unit.id),
                    quantity: Decimal::ONE,
                    from: loss,
                    to: place,
                    value: None,
                    sales_line_id: None,
                    purchase_line_id: None,
                });
            }
            found.push(unit.id);
        }
        for (unit, _) in here
            .iter()
            .filter(|(u, p)| *p == product.id && !found.contains(u))
        {
            moves.push(MoveSpec {
                pointer: at.clone(),
                product_id: product.id,
                serial_id: Some(*unit),
                quantity: Decimal::ONE,
                from: place,
                to: loss,
                value: None,
                sales_line_id: None,
                purchase_line_id: None,
            });
        }
        counted.push(CountSpec {
            location_id: place,
            product_id: product.id,
            expected,
            counted: Decimal::from(found.len()),
            found,
        });
    }
    checks.finish()?;
    let date = super::date_or_today(&mut tx, input.doc_date).await?;
    let spec = DocumentSpec {
        kind: "count",
        date,
        party_id: None,
        reference: String::new(),
        memo,
        reverses_id: None,
        sales_document_id: None,
        purchase_order_id: None,
        remission: None,
        counted,
        landed: Vec::new(),
        moves,
    };
    documents::record(tx, &access, &spec).await
}
