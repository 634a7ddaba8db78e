//! Landed costs: what it cost to bring a receipt's goods in (freight, DAI,
//! selectivo, insurance, the customs broker), tied to the customs
//! declaration (DUA), spread over the receipt's lines by value, by quantity
//! or by hand, into each unit's own cost (a vehicle) or the product's
//! average (anything else). Books inventory against goods received not
//! invoiced, with the broker or customs as the party: their bill clears it
//! as a supplier's bill clears a receipt. The import ISV is not a cost
//! (it is fiscal credit, booked by the customs bill), so it is not here.

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

pub const COST_KINDS: [&str; 6] = [
    "freight",
    "dai",
    "selectivo",
    "insurance",
    "broker",
    "other",
];

#[cfg(feature = "openapi")]
fn cost_kind_schema() -> utoipa::openapi::Object {
    crate::schema::one_of(&COST_KINDS)
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CostInput {
    /// freight, dai, selectivo, insurance, broker or other.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = cost_kind_schema, required = true))]
    pub kind: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount, required = true))]
    pub amount: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// The receipt's move (its `line_no`).
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub line_no: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount_or_zero, required = true))]
    pub amount: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LandedCostInput {
    /// The receipt whose goods carry the costs.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub receipt_id: Option<Uuid>,
    /// The customs broker or customs (a supplier), whose bill will clear this.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// The customs declaration (DUA) number.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<100>, required = true))]
    pub reference: String,
    /// value (default), quantity or manual.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(value|quantity|manual)$"))]
    pub method: Option<String>,
    /// At least one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, required = true))]
    pub costs: Vec<CostInput>,
    /// For `manual`: the amount each receipt line takes; they add up to the costs.
    #[serde(default)]
    pub shares: Vec<ShareInput>,
    /// Default: today.
    #[serde(default)]
    pub doc_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub memo: String,
}

/// `total` split in proportion to `bases`, to the cent, the cents left by
/// rounding down going to the largest remainders, so the parts add up to
/// the total exactly.
pub fn spread(total: Decimal, bases: &[Decimal]) -> Vec<Decimal> {
    let sum: Decimal = bases.iter().sum();
    if sum.is_zero() {
        return vec![Decimal::ZERO; bases.len()];
    }
    let exact: Vec<Decimal> = bases.iter().map(|b| total * b / sum).collect();
    let mut parts: Vec<Decimal> = exact
        .iter()
        .map(|e| e.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero))
        .collect();
    let cent = Decimal::new(1, 2);
    let mut left = total - parts.iter().sum::<Decimal>();
    let mut order: Vec<usize> = (0..bases.len()).collect();
    order.sort_by(|a, b| (exact[*b] - parts[*b]).cmp(&(exact[*a] - parts[*a])));
    for i in order.into_iter().cycle() {
        if left < cent {
            break;
        }
        parts[i] += cent;
        left -= cent;
    }
    parts
}

/// A line of the receipt as it is now.
#[derive(sqlx::FromRow)]
struct Target {
    line_no: i32,
    product_id: Uuid,
    serial_id: Option<Uuid>,
    quantity: Decimal,
    value: Decimal,
    /// Where the goods are now: the unit's place, or the receipt's
    /// destination for goods without a unit.
    location_id: Option<Uuid>,
    held: bool,
}

pub async fn create(db: &Db, user: &SessionUser, input: LandedCostInput) -> Result<StockDocument> {
    let (access, mut tx) = Access::begin(db, user, Resource::Stock, Action::Create).await?;
    let mut checks = Checks::new();
    let reference = checks.text("/reference", &input.reference, 1, 100);
    let memo = checks.text("/memo", &input.memo, 0, 500);
    let party = lines::supplier(&mut tx, &mut checks, input.party_id).await?;
    let method = input.method.as_deref().unwrap_or("value");
    if !["value", "quantity", "manual"].contains(&method) {
        checks.push(FieldIssue::new(
            "/method",
            "invalid_method",
            "method is value, quantity or manual",
        ));
    }
    if input.costs.is_empty() {
        checks.push(FieldIssue::new(
            "/costs",
            "required",
            "list at least one cost",
        ));
    }
    let mut landed = Vec::new();
    for (i, cost) in input.costs.iter().enumerate() {
        if !COST_KINDS.contains(&cost.kind.as_str()) {
            checks.push(FieldIssue::new(
                &format!("/costs/{i}/kind"),
                "invalid_cost_kind",
                "kind is freight, dai, selectivo, insurance, broker or other",
            ));
        }
        if let Some(amount) = lines::amount(
            &mut checks,
            &format!("/costs/{i}/amount"),
            cost.amount,
            false,
        ) {
            landed.push((cost.kind.clone(), amount.round_dp(2)));
        }
    }
    let total: Decimal = landed.iter().map(|(_, a)| *a).sum();

    let receipt_id = input.receipt_id.unwrap_or(Uuid::nil());
    let receipt: Option<(String, Option<Uuid>)> = sqlx::query_as(
        "SELECT d.kind, (SELECT r.id FROM stock_documents r WHERE r.reverses_id = d.id)
           FROM stock_documents d WHERE d.id = $1",
    )
    .bind(receipt_id)
    .fetch_optional(&mut *tx)
    .await?;
    match receipt {
        _ if input.receipt_id.is_none() => checks.push(FieldIssue::new(
            "/receipt_id",
            "required",
            "this field is required",
        )),
        Some((kind, None)) if kind == "receipt" => {}
        Some((kind, Some(_))) if kind == "receipt" => checks.push(FieldIssue::new(
            "/receipt_id",
            "receipt_reversed",
            "this receipt has been reversed",
        )),
        _ => checks.push(FieldIssue::new(
            "/receipt_id",
            "unknown_receipt",
            "no such goods receipt in this company",
        )),
    }
    let targets: Vec<Target> = sqlx::query_as(
        "SELECT m.line_no, m.product_id, m.serial_id, m.quantity, m.value,
                CASE WHEN m.serial_id IS NULL THEN m.to_location_id ELSE s.location_id END AS location_id,
                coalesce(l.kind IN ('internal', 'transit'), false) AS held
           FROM stock_moves m
           LEFT JOIN serial_numbers s ON s.id = m.serial_id
           LEFT JOIN stock_locations l
                  ON l.id = CASE WHEN m.serial_id IS NULL THEN m.to_location_id ELSE s.location_id END
          WHERE m.document_id = $1 AND m.quantity > 0
          ORDER BY m.line_no",
    )
    .bind(receipt_id)
    .fetch_all(&mut *tx)
    .await?;
    for t in targets.iter().filter(|t| !t.held) {
        checks.push(FieldIssue::new(
            "/receipt_id",
            "goods_not_held",
            format!(
                "line {} of the receipt is no longer in stock: its landed cost cannot be added",
                t.line_no
            ),
        ));
    }
    let shares: Vec<Decimal> = match method {
        "quantity" => spread(
            total,
            &targets.iter().map(|t| t.quantity).collect::<Vec<_>>(),
        ),
        "manual" => {
            let mut shares = vec![Decimal::ZERO; targets.len()];
            for (i, share) in input.shares.iter().enumerate() {
                let at = format!("/shares/{i}");
                let amount =
                    lines::amount(&mut checks, &format!("{at}/amount"), share.amount, true);
                match targets
                    .iter()
                    .position(|t| Some(t.line_no) == share.line_no)
                {
                    Some(k) => shares[k] += amount.unwrap_or_default().round_dp(2),
                    None => checks.push(FieldIssue::new(
                        &format!("{at}/line_no"),
                        "unknown_line",
                        "the receipt has no such line",
                    )),
                }
            }
            if shares.iter().sum::<Decimal>() != total {
                checks.push(FieldIssue::new(
                    "/shares",
                    "shares_differ",
                    format!(
                        "the shares add up to {}, the costs to {total}",
                        shares.iter().sum::<Decimal>()
                    ),
                ));
            }
            shares
        }
        _ => spread(total, &targets.iter().map(|t| t.value).collect::<Vec<_>>()),
    };
    checks.finish()?;
    let supplier = ledger::virtual_location(&mut tx, "supplier").await?;
    let moves = targets
        .iter()
        .zip(shares)
        .filter(|(_, share)| !share.is_zero())
        .map(|(t, share)| MoveSpec {
            pointer: format!("/receipt_id/{}", t.line_no),
            product_id: t.product_id,
            serial_id: t.serial_id,
            quantity: Decimal::ZERO,
            from: supplier,
            to: t.location_id.unwrap_or(supplier),
            value: Some(share),
            sales_line_id: None,
            purchase_line_id: None,
        })
        .collect();
    let date = super::date_or_today(&mut tx, input.doc_date).await?;
    let spec = DocumentSpec {
        kind: "landed_cost",
        date,
        party_id: party,
        reference,
        memo,
        reverses_id: None,
        sales_document_id: None,
        purchase_order_id: None,
        remission: None,
        counted: Vec::new(),
        landed,
        moves,
    };
    documents::record(tx, &access, &spec).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn by_value_the_issue_s_example() {
        assert_eq!(
            spread(d("160000"), &[d("400000"), d("600000")]),
            [d("64000"), d("96000")]
        );
    }

    #[test]
    fn thirds_add_up_to_the_cent() {
        let parts = spread(d("100.00"), &[d("1"), d("1"), d("1")]);
        assert_eq!(parts.iter().sum::<Decimal>(), d("100.00"));
        assert_eq!(parts, [d("33.34"), d("33.33"), d("33.33")]);
    }

    #[test]
    fn nothing_to_spread_over_gives_zeros() {
        assert_eq!(spread(d("5"), &[d("0")]), [d("0")]);
    }
}
