//! Customer return: the goods a posted credit note takes back come back
//! into a warehouse location at what they cost when they were delivered —
//! a unit at its own cost (its state becomes `returned`, sellable again),
//! anything else at the delivery's unit cost — booking inventory against
//! cost of sales. Each credit note line is taken back at most once.

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
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// The posted credit note.
    pub credit_note_id: Option<Uuid>,
    /// Where the goods come back to (a warehouse location).
    pub location_id: Option<Uuid>,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
}

/// A credit note line with what its invoice line delivered and what has
/// come back already.
#[derive(sqlx::FromRow)]
struct CreditLine {
    id: Uuid,
    position: i32,
    product_id: Uuid,
    serial_id: Option<Uuid>,
    quantity: Decimal,
    delivered_quantity: Decimal,
    delivered_value: Decimal,
    returned: Decimal,
}

pub async fn create(db: &Db, user: &SessionUser, input: ReturnInput) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Create).await?;
    let mut checks = Checks::new();
    let memo = checks.text("/memo", &input.memo, 0, 500);
    let credit_note_id = input.credit_note_id.unwrap_or(Uuid::nil());
    let note: Option<(String, String, Uuid, Option<String>)> = sqlx::query_as(
        "SELECT kind, status, party_id, fiscal_number FROM sales_documents WHERE id = $1",
    )
    .bind(credit_note_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (customer, number) = match note {
        Some((kind, status, party, number)) if kind == "credit_note" && status == "posted" => {
            (party, number.unwrap_or_default())
        }
        Some(_) => {
            return Err(Error::validation(
                "credit_note_not_posted",
                "/credit_note_id",
                "only a posted credit note takes goods back",
            ));
        }
        None => {
            return Err(Error::validation(
                "unknown_credit_note",
                "/credit_note_id",
                "no such credit note in this company",
            ));
        }
    };
    let to = lines::held_location(&mut tx, &mut checks, "/location_id", input.location_id).await?;
    let credit_lines: Vec<CreditLine> = sqlx::query_as(
        "SELECT c.id, c.position, c.product_id, i.serial_id, c.quantity,
                coalesce(d.quantity, 0) AS delivered_quantity, coalesce(d.value, 0) AS delivered_value,
                coalesce((SELECT sum(m.quantity) FROM stock_moves m WHERE m.sales_line_id = c.id), 0) AS returned
           FROM sales_document_lines c
           JOIN sales_document_lines i ON i.id = c.source_line_id
           LEFT JOIN LATERAL (
                SELECT sum(CASE WHEN t.kind = 'customer' THEN m.quantity ELSE -m.quantity END) AS quantity,
                       sum(CASE WHEN t.kind = 'customer' THEN m.value ELSE -m.value END) AS value
                  FROM stock_moves m JOIN stock_locations t ON t.id = m.to_location_id
                 WHERE m.sales_line_id = i.id) d ON true
          WHERE c.document_id = $1 AND c.product_id IS NOT NULL
          ORDER BY c.position",
    )
    .bind(credit_note_id)
    .fetch_all(&mut *tx)
    .await?;
    let from = ledger::virtual_location(&mut tx, "customer").await?;
    let mut moves = Vec::new();
    for line in &credit_lines {
        let at = format!("/lines/{}", line.position);
        if line.returned > Decimal::ZERO || line.delivered_quantity <= Decimal::ZERO {
            continue; // taken back already, or never delivered: nothing comes back
        }
        let quantity = line.quantity.min(line.delivered_quantity);
        let value = match line.serial_id {
            Some(_) => None, // the unit's own cost
            None => Some((line.delivered_value * quantity / line.delivered_quantity).round_dp(2)),
        };
        if let Some(to) = to {
            moves.push(MoveSpec {
                pointer: at,
                product_id: line.product_id,
                serial_id: line.serial_id,
                quantity,
                from,
                to,
                value,
                sales_line_id: Some(line.id),
                purchase_line_id: None,
            });
        }
    }
    if moves.is_empty() && to.is_some() {
        checks.push(FieldIssue::new(
            "/credit_note_id",
            "nothing_to_return",
            "nothing this credit note takes back was delivered, or it has come back already",
        ));
    }
    checks.finish()?;
    let date = super::date_or_today(&mut tx, input.doc_date).await?;
    let spec = DocumentSpec {
        kind: "return",
        date,
        party_id: Some(customer),
        reference: number,
        memo,
        reverses_id: None,
        sales_document_id: Some(credit_note_id),
        purchase_order_id: None,
        remission: None,
        counted: Vec::new(),
        landed: Vec::new(),
        moves,
    };
    documents::record(tx, &access, &spec).await
}
