//! Delivery: the goods of a posted invoice leave for the customer — each
//! unit it names (a vehicle by VIN) at its own cost, anything else at the
//! weighted average from the chosen location — booking cost of sales
//! against inventory. An invoice may be delivered in parts; what is
//! delivered is counted per invoice line, so nothing leaves twice.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::documents::{self, StockDocument};
use super::ledger::{self, DocumentSpec, MoveSpec};
use super::lines;
use super::transfers::units_by_serial;
use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryLineInput {
    /// The invoice line delivered.
    pub line_id: Option<Uuid>,
    /// Default: what is left to deliver of it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::quantity))]
    pub quantity: Option<Decimal>,
    /// The unit handed over, when the invoice line names none.
    #[serde(default)]
    pub serial: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    /// The posted invoice.
    pub invoice_id: Option<Uuid>,
    /// Where goods without a unit are taken from (a unit leaves from where it is).
    #[serde(default)]
    pub location_id: Option<Uuid>,
    /// Default: every line of a stocked product not yet delivered.
    #[serde(default)]
    pub lines: Option<Vec<DeliveryLineInput>>,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
}

impl InvoiceLine {
    fn left(&self) -> Decimal {
        (self.quantity - self.delivered - self.credited).max(Decimal::ZERO)
    }
}

/// An invoice line with what is left to deliver.
#[derive(sqlx::FromRow)]
struct InvoiceLine {
    id: Uuid,
    product_id: Option<Uuid>,
    serial_id: Option<Uuid>,
    serial_location: Option<Uuid>,
    quantity: Decimal,
    delivered: Decimal,
    /// Credited by posted credit notes and not taken back by a return:
    /// credited before it was delivered, it is no longer to deliver.
    credited: Decimal,
    /// The product is tracked by unit or has been in stock: it is delivered.
    stocked: bool,
}

pub async fn create(db: &Db, user: &SessionUser, input: DeliveryInput) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Create).await?;
    let mut checks = Checks::new();
    let memo = checks.text("/memo", &input.memo, 0, 500);
    let invoice: Option<(String, String, Uuid, Option<String>)> = sqlx::query_as(
        "SELECT kind, status, party_id, fiscal_number FROM sales_documents WHERE id = $1",
    )
    .bind(input.invoice_id.unwrap_or(Uuid::nil()))
    .fetch_optional(&mut *tx)
    .await?;
    let (customer, number) = match invoice {
        Some((kind, status, party, number)) if kind == "invoice" && status == "posted" => {
            (party, number.unwrap_or_default())
        }
        Some(_) => {
            return Err(Error::validation(
                "invoice_not_posted",
                "/invoice_id",
                "only a posted invoice is delivered",
            ));
        }
        None => {
            return Err(Error::validation(
                "unknown_invoice",
                "/invoice_id",
                "no such invoice in this company",
            ));
        }
    };
    let invoice_id = input.invoice_id.unwrap_or(Uuid::nil());
    let invoice_lines: Vec<InvoiceLine> = sqlx::query_as(
        "SELECT l.id, l.product_id, l.serial_id, s.location_id AS serial_location, l.quantity,
                coalesce((SELECT sum(CASE WHEN t.kind = 'customer' THEN m.quantity ELSE -m.quantity END)
                            FROM stock_moves m JOIN stock_locations t ON t.id = m.to_location_id
                           WHERE m.sales_line_id = l.id), 0) AS delivered,
                greatest(coalesce((SELECT sum(c.quantity) FROM sales_document_lines c
                                     JOIN sales_documents n ON n.id = c.document_id
                                    WHERE c.source_line_id = l.id AND n.status = 'posted'), 0)
                         - coalesce((SELECT sum(m.quantity) FROM sales_document_lines c
                                       JOIN stock_moves m ON m.sales_line_id = c.id
                                      WHERE c.source_line_id = l.id), 0), 0) AS credited,
                (p.tracking = 'serial' OR EXISTS (SELECT 1 FROM stock_values v WHERE v.product_id = p.id)) AS stocked
           FROM sales_document_lines l
           JOIN products p ON p.id = l.product_id
           LEFT JOIN serial_numbers s ON s.id = l.serial_id
          WHERE l.document_id = $1 ORDER BY l.position",
    )
    .bind(invoice_id)
    .fetch_all(&mut *tx)
    .await?;
    let wanted: Vec<DeliveryLineInput> = match input.lines {
        Some(lines) => lines,
        None => invoice_lines
            .iter()
            .filter(|l| l.stocked && l.left() > Decimal::ZERO)
            .map(|l| DeliveryLineInput {
                line_id: Some(l.id),
                ..DeliveryLineInput::default()
            })
            .collect(),
    };
    if wanted.is_empty() {
        checks.push(FieldIssue::new(
            "/lines",
            "nothing_to_deliver",
            "everything of this invoice that is stocked has been delivered",
        ));
    }
    let needs_place = wanted.iter().any(|w| {
        invoice_lines
            .iter()
            .find(|l| Some(l.id) == w.line_id)
            .is_some_and(|l| l.serial_id.is_none() && w.serial.is_none())
    });
    let from = if needs_place {
        lines::held_location(&mut tx, &mut checks, "/location_id", input.location_id).await?
    } else {
        None
    };
    let named: Vec<String> = wanted
        .iter()
        .filter_map(|w| w.serial.as_deref())
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let named = units_by_serial(&mut tx, &named).await?;
    let located: HashMap<Uuid, Option<Uuid>> = sqlx::query_as::<_, (Uuid, Option<Uuid>)>(
        "SELECT id, location_id FROM serial_numbers WHERE id = ANY($1)",
    )
    .bind(named.iter().map(|u| u.id).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let to = ledger::virtual_location(&mut tx, "customer").await?;

    let mut moves = Vec::new();
    for (i, w) in wanted.iter().enumerate() {
        let at = format!("/lines/{i}");
        let Some(line) = invoice_lines.iter().find(|l| Some(l.id) == w.line_id) else {
            checks.push(FieldIssue::new(
                &format!("{at}/line_id"),
                "unknown_line",
                "not a line of this invoice with a product",
            ));
            continue;
        };
        let left = line.left();
        let quantity = match w.quantity {
            Some(q) => lines::quantity(&mut checks, &format!("{at}/quantity"), Some(q)),
            None => Some(left),
        };
        if let Some(q) = quantity
            && (q > left || q <= Decimal::ZERO)
        {
            checks.push(FieldIssue::new(
                &format!("{at}/quantity"),
                "quantity_exceeds_invoice",
                format!("{} left to deliver on this line", left.normalize()),
            ));
            continue;
        }
        let Some(product_id) = line.product_id else {
            continue;
        };
        let unit = match (line.serial_id, w.serial.as_deref()) {
            (Some(id), _) => Some((id, line.serial_location)),
            (None, Some(serial)) => {
                let serial = serial.trim().to_ascii_uppercase();
                match named
                    .iter()
                    .find(|u| u.serial == serial && u.product_id == product_id)
                {
                    Some(u) => Some((u.id, located.get(&u.id).copied().flatten())),
                    None => {
                        checks.push(FieldIssue::new(
                            &format!("{at}/serial"),
                            "unknown_serial",
                            "no unit of this line's product with this serial number",
                        ));
                        continue;
                    }
                }
            }
            (None, None) if !line.stocked => continue,
            (None, None) => None,
        };
        let from = match unit {
            Some((_, place)) => place,
            None => from,
        };
        let (Some(from), Some(quantity)) = (from, quantity) else {
            if unit.is_some() {
                checks.push(FieldIssue::new(
                    &format!("{at}/serial"),
                    "unit_not_here",
                    "this unit is not in stock",
                ));
            }
            continue;
        };
        moves.push(MoveSpec {
            pointer: at,
            product_id,
            serial_id: unit.map(|(id, _)| id),
            quantity,
            from,
            to,
            value: None,
            sales_line_id: Some(line.id),
            purchase_line_id: None,
        });
    }
    // A unit leaves from a warehouse or transit, not from where it already went.
    let places = ledger::places(&mut tx, &moves.iter().map(|m| m.from).collect::<Vec<_>>()).await?;
    for m in &moves {
        if !places.get(&m.from).is_some_and(|p| p.kind().is_held()) {
            checks.push(FieldIssue::new(
                &format!("{}/serial", m.pointer),
                "unit_not_in_stock",
                "this unit is not in stock",
            ));
        }
    }
    checks.finish()?;
    let date = super::date_or_today(&mut tx, input.doc_date).await?;
    let spec = DocumentSpec {
        kind: "delivery",
        date,
        party_id: Some(customer),
        reference: number,
        memo,
        reverses_id: None,
        sales_document_id: Some(invoice_id),
        purchase_order_id: None,
        remission: None,
        counted: Vec::new(),
        landed: Vec::new(),
        moves,
    };
    documents::record(tx, &access, &spec).await
}
