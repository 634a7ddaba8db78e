//! ISV tax codes: one per tax class and company, with its rate and the
//! account the collected tax is owed on. The accountant may change rate,
//! name and account; the four classes themselves are fixed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, required_version, violation};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxCode {
    pub id: Uuid,
    pub tax_class: String,
    pub name: String,
    /// 0.15 for 15 %.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.1500"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub rate: Decimal,
    pub account_id: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaxCodeInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<100>))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::tax_rate))]
    pub rate: Decimal,
    pub account_id: Option<Uuid>,
    #[serde(deserialize_with = "crate::whole_number::i32")]
    pub version: i32,
}

macro_rules! columns {
    () => {
        "id, tax_class, name, rate, account_id, version, updated_at"
    };
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<TaxCode>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM tax_codes ORDER BY rate DESC, tax_class"
    ))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

fn unknown_account() -> FieldIssue {
    FieldIssue::new(
        "/account_id",
        "unknown_account",
        "no such account in this company",
    )
}

pub async fn update(db: &Db, user: &SessionUser, id: Uuid, input: TaxCodeInput) -> Result<TaxCode> {
    let mut c = Checks::new();
    let name = c.text("/name", &input.name, 1, 100);
    if input.rate.is_sign_negative() || input.rate >= Decimal::ONE || input.rate.scale() > 4 {
        c.push(FieldIssue::new(
            "/rate",
            "invalid_rate",
            "a rate from 0 to 0.9999 (0.15 is 15 %)",
        ));
    }
    c.finish()?;
    let version = required_version(Some(input.version))?;
    let (access, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Update).await?;
    let before: TaxCode = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM tax_codes WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("tax_code_not_found"))?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after: TaxCode = sqlx::query_as(concat!(
        "UPDATE tax_codes SET name = $2, rate = $3, account_id = $4, version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(&name)
    .bind(input.rate)
    .bind(input.account_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("tax_codes_company_id_account_id_fkey", unknown_account)]))?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "tax_code",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
