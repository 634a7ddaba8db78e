//! The checks every stock document's input shares: the supplier or
//! customer, the locations, each line's product, quantity, amount and
//! serial number. Each records its problem with the field's pointer and
//! lets the document go on checking, so one answer names every bad field.

use std::collections::HashMap;

use rust_decimal::Decimal;
use uuid::Uuid;

use super::ledger::{self, ProductFacts};
use crate::numbers::{AMOUNT, AMOUNT_OR_ZERO, COUNTED, QUANTITY};
use crate::validate::Checks;
use crate::{FieldIssue, Result};

fn required(checks: &mut Checks, pointer: &str) {
    checks.push(FieldIssue::new(
        pointer,
        "required",
        "this field is required",
    ));
}

/// The supplier of a receipt: a party of this company marked as supplier.
pub(crate) async fn supplier(
    tx: &mut sqlx::PgConnection,
    checks: &mut Checks,
    party: Option<Uuid>,
) -> Result<Option<Uuid>> {
    let Some(party) = party else {
        required(checks, "/party_id");
        return Ok(None);
    };
    let is_supplier: Option<bool> =
        sqlx::query_scalar("SELECT is_supplier FROM parties WHERE id = $1 AND archived_at IS NULL")
            .bind(party)
            .fetch_optional(&mut *tx)
            .await?;
    match is_supplier {
        Some(true) => return Ok(Some(party)),
        Some(false) => checks.push(FieldIssue::new(
            "/party_id",
            "not_a_supplier",
            "this party is not marked as a supplier",
        )),
        None => checks.push(FieldIssue::new(
            "/party_id",
            "unknown_party",
            "no such supplier in this company",
        )),
    }
    Ok(None)
}

/// A location that holds stock (a warehouse's, or in transit), not archived.
pub(crate) async fn held_location(
    tx: &mut sqlx::PgConnection,
    checks: &mut Checks,
    pointer: &str,
    id: Option<Uuid>,
) -> Result<Option<Uuid>> {
    let Some(id) = id else {
        required(checks, pointer);
        return Ok(None);
    };
    let places = ledger::places(tx, &[id]).await?;
    match places.get(&id) {
        Some(p) if p.kind().is_held() && !p.archived => return Ok(Some(id)),
        Some(p) if p.archived => checks.push(FieldIssue::new(
            pointer,
            "location_archived",
            "this location is archived",
        )),
        Some(_) => checks.push(FieldIssue::new(
            pointer,
            "location_not_held",
            "choose a warehouse location or the in-transit one",
        )),
        None => checks.push(FieldIssue::new(
            pointer,
            "unknown_location",
            "no such location in this company",
        )),
    }
    Ok(None)
}

/// The line's product, known and not archived.
pub(crate) fn product<'p>(
    checks: &mut Checks,
    at: &str,
    id: Option<Uuid>,
    products: &'p HashMap<Uuid, ProductFacts>,
) -> Option<&'p ProductFacts> {
    let pointer = format!("{at}/product_id");
    let Some(id) = id else {
        required(checks, &pointer);
        return None;
    };
    match products.get(&id) {
        Some(p) if !p.archived => Some(p),
        Some(_) => {
            checks.push(FieldIssue::new(
                &pointer,
                "product_archived",
                "this product is archived",
            ));
            None
        }
        None => {
            checks.push(FieldIssue::new(
                &pointer,
                "unknown_product",
                "no such product in this company",
            ));
            None
        }
    }
}

/// A positive quantity of at most four decimals.
pub(crate) fn quantity(checks: &mut Checks, pointer: &str, q: Option<Decimal>) -> Option<Decimal> {
    measured(checks, pointer, q, false)
}

/// A quantity found by a count: 0 or more, at most four decimals.
pub(crate) fn counted(checks: &mut Checks, pointer: &str, q: Option<Decimal>) -> Option<Decimal> {
    measured(checks, pointer, q, true)
}

fn measured(
    checks: &mut Checks,
    pointer: &str,
    q: Option<Decimal>,
    zero_ok: bool,
) -> Option<Decimal> {
    let Some(q) = q else {
        required(checks, pointer);
        return None;
    };
    let bounds = if zero_ok { COUNTED } else { QUANTITY };
    if !bounds.admits(q) {
        checks.push(FieldIssue::new(
            pointer,
            "invalid_quantity",
            if zero_ok {
                "a counted quantity is 0 or more, with at most 4 decimals"
            } else {
                "a quantity is more than 0, with at most 4 decimals"
            },
        ));
        return None;
    }
    Some(q)
}

/// An amount in lempiras: not negative (zero when `zero_ok`), at most four
/// decimals.
pub(crate) fn amount(
    checks: &mut Checks,
    pointer: &str,
    a: Option<Decimal>,
    zero_ok: bool,
) -> Option<Decimal> {
    let Some(a) = a else {
        required(checks, pointer);
        return None;
    };
    let bounds = if zero_ok { AMOUNT_OR_ZERO } else { AMOUNT };
    if !bounds.admits(a) {
        checks.push(FieldIssue::new(
            pointer,
            "invalid_amount",
            if zero_ok {
                "an amount of 0 or more, with at most 4 decimals"
            } else {
                "an amount of more than 0, with at most 4 decimals"
            },
        ));
        return None;
    }
    Some(a)
}

pub(crate) fn serial_shaped(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// A serial number (not a VIN): 1 to 40 letters, digits or '-', upper-cased.
pub(crate) fn serial(checks: &mut Checks, pointer: &str, text: &str) -> Option<String> {
    let serial = text.trim().to_ascii_uppercase();
    if serial_shaped(&serial, 40) {
        return Some(serial);
    }
    checks.push(FieldIssue::new(
        pointer,
        "invalid_serial",
        "a serial number has 1 to 40 letters, digits or '-'",
    ));
    None
}
