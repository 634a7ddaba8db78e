//! The purchase receipt (boleta de compra): a used vehicle (or anything
//! tracked by unit) bought from a private person, who issues no invoice.
//! The company issues the document itself, numbered from its own CAI range
//! for purchase receipts; in one transaction the unit arrives at its price
//! (inventory against goods received) and the receipt is booked as a bill
//! without ISV (goods received against what the seller is owed), so it is
//! paid like any bill and shows in the purchase book.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::bills::{self, BillInput, SupplierBill};
use crate::access::Access;
use crate::db::Db;
use crate::fiscal::numbering;
use crate::roles::{Action, Resource};
use crate::stock::documents;
use crate::stock::receipts::{self, ReceiptInput, ReceiptLineInput, UnitInput};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseReceiptInput {
    /// The seller (a party marked as supplier; a private person needs no RTN).
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub party_id: Option<Uuid>,
    /// Where the unit goes.
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub location_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = Uuid, required = true))]
    pub product_id: Option<Uuid>,
    /// The VIN (or serial number).
    #[serde(default)]
    pub serial: String,
    #[serde(default)]
    pub engine_no: String,
    #[serde(default)]
    pub colour: String,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub model_year: Option<i32>,
    /// What was paid for it, in lempiras: its cost (no ISV).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::amount_or_zero, required = true))]
    pub price: Option<Decimal>,
    /// Default: today.
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// Where the receipt is issued; default: the first point with a usable range.
    #[serde(default)]
    pub emission_point_id: Option<Uuid>,
    #[serde(default)]
    pub memo: String,
}

/// The receipt's problems name the purchase receipt's own fields.
fn own_pointer(pointer: &str) -> String {
    let field = pointer
        .trim_start_matches("/lines/0/units/0")
        .trim_start_matches("/lines/0");
    match field {
        "/unit_cost" | "" => "/price".to_owned(),
        "/units" => "/serial".to_owned(),
        f => f.to_owned(),
    }
}

pub async fn create(
    db: &Db,
    user: &SessionUser,
    input: PurchaseReceiptInput,
) -> Result<SupplierBill> {
    let (access, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Create).await?;
    let receipt = ReceiptInput {
        party_id: input.party_id,
        location_id: input.location_id,
        doc_date: input.issue_date,
        memo: input.memo.clone(),
        lines: vec![ReceiptLineInput {
            product_id: input.product_id,
            unit_cost: input.price,
            units: vec![UnitInput {
                serial: input.serial.clone(),
                engine_no: input.engine_no.clone(),
                colour: input.colour.clone(),
                model_year: input.model_year,
                unit_cost: None,
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut spec = receipts::spec(&mut tx, &access, receipt)
        .await
        .map_err(|mut e: Error| {
            for f in &mut e.fields {
                f.pointer = own_pointer(&f.pointer);
            }
            e
        })?;
    let issued = numbering::draw_anywhere(
        &mut tx,
        input.emission_point_id,
        None,
        "purchase_receipt",
        "purchase receipts",
    )
    .await?;
    spec.reference = issued.number.clone();
    documents::record_in(&mut tx, &access, &spec).await?;
    let bill = bills::record_in(
        &mut tx,
        &access,
        BillInput {
            party_id: input.party_id,
            issue_date: input.issue_date,
            exempt: input.price,
            goods: input.price,
            withholding: Some(String::new()),
            memo: input.memo,
            ..Default::default()
        },
        Some(issued),
    )
    .await?;
    tx.commit().await?;
    Ok(bill)
}

#[cfg(test)]
mod tests {
    use super::own_pointer;

    #[test]
    fn receipt_problems_name_the_purchase_receipts_fields() {
        assert_eq!(own_pointer("/lines/0/units/0/serial"), "/serial");
        assert_eq!(own_pointer("/lines/0/units/0/engine_no"), "/engine_no");
        assert_eq!(own_pointer("/lines/0/unit_cost"), "/price");
        assert_eq!(own_pointer("/lines/0/product_id"), "/product_id");
        assert_eq!(own_pointer("/lines/0/units"), "/serial");
        assert_eq!(own_pointer("/location_id"), "/location_id");
    }
}
