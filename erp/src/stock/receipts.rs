//! Goods receipt: what a supplier delivered, into a warehouse location or
//! into transit (imports on the road or in customs), at its purchase cost.
//! A vehicle arrives as units, each with its VIN, engine number, colour and
//! model year; a VIN already in stock is refused. Books inventory (or
//! inventory in transit) against goods received not invoiced. A receipt may
//! receive against a purchase order: each line then takes the order line's
//! product and price unless it says otherwise, and never more than the
//! order still expects.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::documents::{self, StockDocument};
use super::ledger::{self, DocumentSpec, MoveSpec};
use super::lines;
use crate::access::Access;
use crate::db::Db;
use crate::numbers::line_too_large;
use crate::purchases::orders::OpenLine;
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::values::Vin;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    /// The VIN of a vehicle (17 characters), the serial number otherwise.
    #[serde(default)]
    pub serial: String,
    #[serde(default)]
    pub engine_no: String,
    #[serde(default)]
    pub colour: String,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1950, maximum = 2100))]
    pub model_year: Option<i32>,
    /// This unit's price when it differs from the line's.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub unit_cost: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    pub product_id: Option<Uuid>,
    /// For products tracked by unit: the number of `units` (may be left out).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::quantity))]
    pub quantity: Option<Decimal>,
    /// Purchase price per unit in lempiras, before ISV.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::amount_or_zero))]
    pub unit_cost: Option<Decimal>,
    /// The units received, for products tracked by unit (vehicles).
    #[serde(default)]
    pub units: Vec<UnitInput>,
    /// The order line received, when the receipt names an order (default:
    /// the order's open line of this product). Product and price then
    /// default to the line's.
    #[serde(default)]
    pub purchase_line_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// The supplier (default: the order's).
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// The purchase order received against, if any.
    #[serde(default)]
    pub purchase_order_id: Option<Uuid>,
    /// Where the goods go: a warehouse location, or the in-transit one.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub location_id: Option<Uuid>,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
    /// The supplier's delivery note or invoice number.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub reference: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, required = true))]
    pub lines: Vec<ReceiptLineInput>,
}

/// The order line receipt line `i` receives: the one it names, or the
/// order's open line of its product; `None` when no order is named.
fn order_line(
    checks: &mut Checks,
    i: usize,
    line: &ReceiptLineInput,
    open: Option<&[OpenLine]>,
) -> Option<OpenLine> {
    let pointer = format!("/lines/{i}/purchase_line_id");
    let Some(open) = open else {
        if line.purchase_line_id.is_some() {
            checks.push(FieldIssue::new(
                &pointer,
                "no_purchase_order",
                "name the purchase order this line belongs to",
            ));
        }
        return None;
    };
    let found = match line.purchase_line_id {
        Some(id) => open.iter().find(|o| o.id == id),
        None => line.product_id.and_then(|p| {
            open.iter()
                .find(|o| o.product_id == p && o.outstanding > Decimal::ZERO)
        }),
    };
    match found {
        Some(o) if line.product_id.is_some_and(|p| p != o.product_id) => {
            checks.push(FieldIssue::new(
                &format!("/lines/{i}/product_id"),
                "product_differs",
                "the order line is for another product",
            ));
            None
        }
        Some(o) => Some(o.clone()),
        None => {
            checks.push(FieldIssue::new(
                &pointer,
                "not_on_order",
                "nothing of this product is still expected on the order",
            ));
            None
        }
    }
}

/// A unit to create (or a registered one to take) before its move.
struct NewUnit {
    id: Uuid,
    product_id: Uuid,
    serial: String,
    engine_no: String,
    colour: String,
    model_year: Option<i32>,
}

pub async fn create(db: &Db, user: &SessionUser, input: ReceiptInput) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Create).await?;
    let spec = spec(&mut tx, &access, input).await?;
    documents::record(tx, &access, &spec).await
}

/// The receipt `input` asks for, checked (every problem named), with its
/// new units written; posting it is the caller's.
pub(crate) async fn spec(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    input: ReceiptInput,
) -> Result<DocumentSpec> {
    let mut checks = Checks::new();
    let reference = checks.text("/reference", &input.reference, 0, 100);
    let memo = checks.text("/memo", &input.memo, 0, 500);
    let order = match input.purchase_order_id {
        Some(id) => crate::purchases::orders::receivable(&mut *tx, &mut checks, id).await?,
        None => None,
    };
    if let (Some((ordered_from, _)), Some(party)) = (&order, input.party_id)
        && *ordered_from != party
    {
        checks.push(FieldIssue::new(
            "/party_id",
            "supplier_differs",
            "the order is another supplier's",
        ));
    }
    let party = input.party_id.or(order.as_ref().map(|o| o.0));
    let supplier = lines::supplier(&mut *tx, &mut checks, party).await?;
    let to = lines::held_location(&mut *tx, &mut checks, "/location_id", input.location_id).await?;
    let from = ledger::virtual_location(&mut *tx, "supplier").await?;
    if input.lines.is_empty() {
        checks.push(FieldIssue::new(
            "/lines",
            "required",
            "a receipt has at least one line",
        ));
    }
    let ordered: Vec<Option<OpenLine>> = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| order_line(&mut checks, i, l, order.as_ref().map(|o| &o.1[..])))
        .collect();
    let product_of =
        |i: usize, l: &ReceiptLineInput| l.product_id.or(ordered[i].as_ref().map(|o| o.product_id));
    let product_ids: Vec<Uuid> = input
        .lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| product_of(i, l))
        .collect();
    let products = ledger::products(&mut *tx, &product_ids).await?;
    let mut taken: HashMap<Uuid, Decimal> = HashMap::new();

    let mut moves = Vec::new();
    let mut units = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let at = format!("/lines/{i}");
        let Some(product) = lines::product(&mut checks, &at, product_of(i, line), &products) else {
            continue;
        };
        let ordered_line = ordered[i].as_ref();
        let line_cost = line.unit_cost.or(ordered_line.map(|o| o.unit_cost));
        // A unit may carry its own price; the line's is then optional.
        let unit_cost = if product.by_unit() && line_cost.is_none() {
            None
        } else {
            lines::amount(&mut checks, &format!("{at}/unit_cost"), line_cost, true)
        };
        if let Some(o) = ordered_line {
            let arriving = if product.by_unit() {
                Decimal::from(line.units.len())
            } else {
                line.quantity.unwrap_or_default()
            };
            let total = taken.entry(o.id).or_default();
            *total += arriving;
            if *total > o.outstanding {
                checks.push(FieldIssue::new(
                    &format!("{at}/quantity"),
                    "exceeds_ordered",
                    format!("the order still expects {}", o.outstanding.normalize()),
                ));
            }
        }
        let purchase_line_id = ordered_line.map(|o| o.id);
        if !product.by_unit() {
            if !line.units.is_empty() {
                checks.push(FieldIssue::new(
                    &format!("{at}/units"),
                    "not_serial_tracked",
                    "this product is not tracked by unit",
                ));
            }
            let quantity = lines::quantity(&mut checks, &format!("{at}/quantity"), line.quantity);
            if let (Some(q), Some(c)) = (quantity, unit_cost) {
                if let Some(issue) = line_too_large(&format!("{at}/unit_cost"), q, c) {
                    checks.push(issue);
                    continue;
                }
                moves.push(MoveSpec {
                    pointer: at,
                    product_id: product.id,
                    serial_id: None,
                    quantity: q,
                    from,
                    to: to.unwrap_or(from),
                    value: Some((q * c).round_dp(2)),
                    sales_line_id: None,
                    purchase_line_id,
                });
            }
            continue;
        }
        if line.units.is_empty() {
            checks.push(FieldIssue::new(
                &format!("{at}/units"),
                "required",
                "list each unit received with its serial number",
            ));
        }
        if let Some(q) = line.quantity
            && q != Decimal::from(line.units.len())
        {
            checks.push(FieldIssue::new(
                &format!("{at}/quantity"),
                "quantity_units_differ",
                format!("the line lists {} units", line.units.len()),
            ));
        }
        for (j, u) in line.units.iter().enumerate() {
            let ua = format!("{at}/units/{j}");
            let serial = if product.is_vehicle {
                checks
                    .take(Vin::parse(&format!("{ua}/serial"), &u.serial))
                    .map(|v| v.as_str().to_owned())
            } else {
                lines::serial(&mut checks, &format!("{ua}/serial"), &u.serial)
            };
            let engine_no = u.engine_no.trim().to_ascii_uppercase();
            if !lines::serial_shaped(&engine_no, 30) && !engine_no.is_empty() {
                checks.push(FieldIssue::new(
                    &format!("{ua}/engine_no"),
                    "invalid_engine_no",
                    "an engine number has up to 30 letters, digits or '-'",
                ));
            }
            let colour = checks.text(&format!("{ua}/colour"), &u.colour, 0, 40);
            if let Some(year) = u.model_year {
                checks.range(&format!("{ua}/model_year"), year, 1950, 2100);
            }
            let cost = match (u.unit_cost, unit_cost) {
                (None, Some(line_cost)) => Some(line_cost),
                (own, _) => lines::amount(&mut checks, &format!("{ua}/unit_cost"), own, true),
            };
            let (Some(serial), Some(cost)) = (serial, cost) else {
                continue;
            };
            if units.iter().any(|n: &NewUnit| n.serial == serial) {
                checks.push(FieldIssue::new(
                    &format!("{ua}/serial"),
                    "serial_repeated",
                    "this serial number is listed twice",
                ));
                continue;
            }
            let id = Uuid::now_v7();
            units.push(NewUnit {
                id,
                product_id: product.id,
                serial,
                engine_no,
                colour,
                model_year: u.model_year,
            });
            moves.push(MoveSpec {
                pointer: ua,
                product_id: product.id,
                serial_id: Some(id),
                quantity: Decimal::ONE,
                from,
                to: to.unwrap_or(from),
                value: Some(cost.round_dp(2)),
                sales_line_id: None,
                purchase_line_id,
            });
        }
    }
    // A unit already known is taken (its id) if it is not in stock; one in
    // stock, or known under another product, is refused.
    let known: Vec<(Uuid, String, Uuid, String)> = sqlx::query_as(
        "SELECT id, serial, product_id, status FROM serial_numbers WHERE serial = ANY($1)",
    )
    .bind(units.iter().map(|u| u.serial.clone()).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?;
    for (id, serial, product_id, status) in known {
        let Some(unit) = units.iter_mut().find(|u| u.serial == serial) else {
            continue;
        };
        let Some(m) = moves.iter_mut().find(|m| m.serial_id == Some(unit.id)) else {
            continue;
        };
        if product_id != unit.product_id || !matches!(status.as_str(), "registered") {
            checks.push(FieldIssue::new(
                &format!("{}/serial", m.pointer),
                "serial_taken",
                if product_id == unit.product_id {
                    "this unit has been received already"
                } else {
                    "this serial number belongs to another product"
                },
            ));
            continue;
        }
        m.serial_id = Some(id);
        unit.id = id;
        unit.serial.clear(); // known: nothing to insert
    }
    checks.finish()?;
    let date = super::date_or_today(&mut *tx, input.doc_date).await?;
    let fresh: Vec<&NewUnit> = units.iter().filter(|u| !u.serial.is_empty()).collect();
    sqlx::query(
        "INSERT INTO serial_numbers (id, company_id, product_id, serial, engine_no, colour, model_year)
         SELECT i, $1, p, s, e, c, y
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int4[])
                AS u (i, p, s, e, c, y)",
    )
    .bind(access.company_id)
    .bind(fresh.iter().map(|u| u.id).collect::<Vec<_>>())
    .bind(fresh.iter().map(|u| u.product_id).collect::<Vec<_>>())
    .bind(fresh.iter().map(|u| u.serial.clone()).collect::<Vec<_>>())
    .bind(fresh.iter().map(|u| u.engine_no.clone()).collect::<Vec<_>>())
    .bind(fresh.iter().map(|u| u.colour.clone()).collect::<Vec<_>>())
    .bind(fresh.iter().map(|u| u.model_year).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        // two receipts of the same new VIN at once: the second one loses
        e if e.constraint() == Some("serial_numbers_company_id_serial_key") => Error::conflict(
            "serial_taken",
            "a unit with this serial number was received at the same time",
        ),
        e => e,
    })?;
    let spec = DocumentSpec {
        kind: "receipt",
        date,
        party_id: supplier,
        reference,
        memo,
        reverses_id: None,
        sales_document_id: None,
        purchase_order_id: order.and(input.purchase_order_id),
        remission: None,
        counted: Vec::new(),
        landed: Vec::new(),
        moves,
    };
    Ok(spec)
}
