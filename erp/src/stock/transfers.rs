//! Transfer between two held locations of the company: warehouse to
//! warehouse, or the arrival of imported goods from transit. A unit is
//! named by its serial number (VIN); anything else by product and quantity.
//! The value travels unchanged; only a move between accounts (transit to a
//! warehouse) books an entry. Goods on the road between warehouses travel
//! with a remission guide numbered from the company's own CAI range.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::documents::{self, StockDocument};
use super::ledger::{self, DocumentSpec, MoveSpec};
use super::lines;
use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferLineInput {
    /// A unit by its serial number (VIN); product and quantity then follow from it.
    #[serde(default)]
    pub serial: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub product_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::quantity, required = true))]
    pub quantity: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub from_location_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub to_location_id: Option<Uuid>,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub reference: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, required = true))]
    pub lines: Vec<TransferLineInput>,
    /// Issue a remission guide (guía de remisión) for goods on the road,
    /// numbered from the company's CAI range for remission guides.
    #[serde(default)]
    pub remission_guide: bool,
    /// Where the guide is issued; default: a point of the sending
    /// warehouse's branch with a usable range, else any.
    #[serde(default)]
    pub emission_point_id: Option<Uuid>,
}

/// A unit named on a line, as the database knows it.
#[derive(sqlx::FromRow)]
pub(crate) struct UnitRef {
    pub id: Uuid,
    pub serial: String,
    pub product_id: Uuid,
}

/// The units of this company with these serial numbers.
pub(crate) async fn units_by_serial(
    tx: &mut sqlx::PgConnection,
    serials: &[String],
) -> Result<Vec<UnitRef>> {
    Ok(
        sqlx::query_as("SELECT id, serial, product_id FROM serial_numbers WHERE serial = ANY($1)")
            .bind(serials)
            .fetch_all(&mut *tx)
            .await?,
    )
}

pub async fn create(db: &Db, user: &SessionUser, input: TransferInput) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Create).await?;
    let mut checks = Checks::new();
    let reference = checks.text("/reference", &input.reference, 0, 100);
    let memo = checks.text("/memo", &input.memo, 0, 500);
    let from = lines::held_location(
        &mut tx,
        &mut checks,
        "/from_location_id",
        input.from_location_id,
    )
    .await?;
    let to = lines::held_location(
        &mut tx,
        &mut checks,
        "/to_location_id",
        input.to_location_id,
    )
    .await?;
    if from.is_some() && from == to {
        checks.push(FieldIssue::new(
            "/to_location_id",
            "same_location",
            "a transfer goes to another location",
        ));
    }
    if input.lines.is_empty() {
        checks.push(FieldIssue::new(
            "/lines",
            "required",
            "a transfer has at least one line",
        ));
    }
    let serials: Vec<String> = input
        .lines
        .iter()
        .filter_map(|l| l.serial.as_deref())
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let units = units_by_serial(&mut tx, &serials).await?;
    let product_ids: Vec<Uuid> = input
        .lines
        .iter()
        .filter_map(|l| l.product_id)
        .chain(units.iter().map(|u| u.product_id))
        .collect();
    let products = ledger::products(&mut tx, &product_ids).await?;

    let mut moves = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let at = format!("/lines/{i}");
        let (product_id, serial_id, quantity) = match line.serial.as_deref() {
            Some(serial) => {
                let serial = serial.trim().to_ascii_uppercase();
                match units.iter().find(|u| u.serial == serial) {
                    Some(u) => (Some(u.product_id), Some(u.id), Some(Decimal::ONE)),
                    None => {
                        checks.push(FieldIssue::new(
                            &format!("{at}/serial"),
                            "unknown_serial",
                            "no unit with this serial number in this company",
                        ));
                        continue;
                    }
                }
            }
            None => {
                let product = lines::product(&mut checks, &at, line.product_id, &products);
                if product.is_some_and(|p| p.by_unit()) {
                    checks.push(FieldIssue::new(
                        &format!("{at}/serial"),
                        "required",
                        "name each unit of this product by its serial number",
                    ));
                    continue;
                }
                let quantity =
                    lines::quantity(&mut checks, &format!("{at}/quantity"), line.quantity);
                (product.map(|p| p.id), None, quantity)
            }
        };
        if let (Some(product_id), Some(quantity), Some(from), Some(to)) =
            (product_id, quantity, from, to)
        {
            moves.push(MoveSpec {
                pointer: at,
                product_id,
                serial_id,
                quantity,
                from,
                to,
                value: None,
                sales_line_id: None,
                purchase_line_id: None,
            });
        }
    }
    checks.finish()?;
    let date = super::date_or_today(&mut tx, input.doc_date).await?;
    let remission = if input.remission_guide {
        let branch: Option<Uuid> = sqlx::query_scalar(
            "SELECT w.branch_id FROM stock_locations l JOIN warehouses w ON w.id = l.warehouse_id WHERE l.id = $1",
        )
        .bind(input.from_location_id)
        .fetch_optional(&mut *tx)
        .await?;
        Some(
            crate::fiscal::numbering::draw_anywhere(
                &mut tx,
                input.emission_point_id,
                branch,
                "remission_guide",
                "remission guides",
            )
            .await?,
        )
    } else {
        None
    };
    let spec = DocumentSpec {
        kind: "transfer",
        date,
        party_id: None,
        reference,
        memo,
        reverses_id: None,
        sales_document_id: None,
        purchase_order_id: None,
        remission,
        counted: Vec::new(),
        landed: Vec::new(),
        moves,
    };
    documents::record(tx, &access, &spec).await
}
