//! Serial numbers of tracked products. For a vehicle the serial is its VIN
//! and must be a valid one; serials are unique within a company.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, crud, violation};
use crate::roles::{Action, Resource};
use crate::values::Vin;
use crate::{Error, FieldIssue, Result, SessionUser};

use super::products::Product;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Serial {
    pub id: Uuid,
    pub product_id: Uuid,
    pub serial: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SerialInput {
    /// The VIN for vehicles (17 characters), any serial number otherwise.
    pub serial: String,
}

fn parse_serial(is_vehicle: bool, text: &str) -> Result<String> {
    if is_vehicle {
        return Vin::parse("/serial", text)
            .map(|v| v.as_str().to_owned())
            .map_err(|i| Error::invalid_fields(vec![i]));
    }
    let mut checks = crate::validate::Checks::new();
    let serial = crate::stock::lines::serial(&mut checks, "/serial", text);
    checks.finish()?;
    serial.ok_or_else(|| Error::validation("invalid_serial", "/serial", "invalid serial number"))
}

fn serial_taken() -> FieldIssue {
    FieldIssue::new(
        "/serial",
        "serial_taken",
        "this serial number is already registered",
    )
}

pub async fn list(db: &Db, user: &SessionUser, product_id: Uuid) -> Result<Vec<Serial>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Read).await?;
    crud::fetch::<Product>(&mut tx, product_id, false).await?;
    let rows = sqlx::query_as(
        "SELECT id, product_id, serial, created_at FROM serial_numbers WHERE product_id = $1 ORDER BY serial",
    )
    .bind(product_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn add(
    db: &Db,
    user: &SessionUser,
    product_id: Uuid,
    input: SerialInput,
) -> Result<Serial> {
    let (access, mut tx) = Access::begin(db, user, Resource::Catalog, Action::Create).await?;
    let product = crud::fetch::<Product>(&mut tx, product_id, false).await?;
    if product.tracking != "serial" {
        return Err(Error::validation(
            "not_serial_tracked",
            "/serial",
            "this product is not tracked by serial number",
        ));
    }
    let serial = parse_serial(product.is_vehicle, &input.serial)?;
    let row: Serial = sqlx::query_as(
        "INSERT INTO serial_numbers (id, company_id, product_id, serial) VALUES ($1, $2, $3, $4)
         RETURNING id, product_id, serial, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(product_id)
    .bind(&serial)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("serial_numbers_company_id_serial_key", serial_taken)]))?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "serial_number",
        row.id,
        None,
        Some(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}
