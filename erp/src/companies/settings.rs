//! The active company's own settings: names, RTN, contact data, currency and
//! fiscal settings. Admins change them; everyone in the company reads them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, violation};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::values::Rtn;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanySettings {
    pub id: Uuid,
    /// The trade name (nombre comercial).
    pub name: String,
    pub legal_name: String,
    pub rtn: Option<String>,
    /// HNL or USD.
    pub currency: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// The address the company's e-mail is sent from; empty for the
    /// appliance's default sender.
    pub mail_sender: String,
    /// Every member must log in with a second factor.
    pub require_totp: bool,
    /// Warn when fewer fiscal numbers than this remain in a CAI range.
    pub fiscal_warn_remaining: i32,
    /// Warn this many days before a CAI range's deadline.
    pub fiscal_warn_days: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanySettingsInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<300>))]
    pub legal_name: String,
    /// 14 digits, dashes and spaces allowed; empty or null for none.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::or_null::rtn))]
    pub rtn: Option<String>,
    /// HNL or USD.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(HNL|USD)$"))]
    pub currency: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub address: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub phone: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email))]
    pub email: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email))]
    pub mail_sender: String,
    #[serde(default)]
    pub require_totp: bool,
    #[serde(deserialize_with = "crate::whole_number::i32")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1_000_000))]
    pub fiscal_warn_remaining: i32,
    #[serde(deserialize_with = "crate::whole_number::i32")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    pub fiscal_warn_days: i32,
    #[serde(deserialize_with = "crate::whole_number::i32")]
    pub version: i32,
}

macro_rules! columns {
    () => {
        "id, name, legal_name, rtn, currency, address, phone, email, mail_sender, require_totp, \
         fiscal_warn_remaining, fiscal_warn_days, version, updated_at"
    };
}

pub async fn get(db: &Db, user: &SessionUser) -> Result<CompanySettings> {
    let (access, mut tx) = Access::begin(db, user, Resource::Company, Action::Read).await?;
    let row = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM companies WHERE id = $1"
    ))
    .bind(access.company_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}

fn name_taken() -> FieldIssue {
    FieldIssue::new(
        "/name",
        "company_name_taken",
        "another company has this name",
    )
}

pub async fn update(
    db: &Db,
    user: &SessionUser,
    input: CompanySettingsInput,
) -> Result<CompanySettings> {
    let mut c = Checks::new();
    let name = c.text("/name", &input.name, 1, 200);
    let legal_name = c.text("/legal_name", &input.legal_name, 1, 300);
    let rtn = match input.rtn.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => c.take(Rtn::parse("/rtn", t)).map(|r| r.as_str().to_owned()),
    };
    if !matches!(input.currency.as_str(), "HNL" | "USD") {
        c.push(FieldIssue::new(
            "/currency",
            "unknown_currency",
            "HNL or USD",
        ));
    }
    let address = c.text("/address", &input.address, 0, 500);
    let phone = c.text("/phone", &input.phone, 0, 50);
    let email = c.email("/email", &input.email);
    let mail_sender = c.email("/mail_sender", &input.mail_sender);
    // Just the address: the display name is the company's.
    if mail_sender.contains(['<', '>']) {
        c.push(FieldIssue::new(
            "/mail_sender",
            "invalid_email",
            "the address alone, without a name or angle brackets",
        ));
    }
    c.range(
        "/fiscal_warn_remaining",
        input.fiscal_warn_remaining,
        0,
        1_000_000,
    );
    c.range("/fiscal_warn_days", input.fiscal_warn_days, 0, 365);
    c.finish()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Company, Action::Update).await?;
    let before: CompanySettings = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM companies WHERE id = $1 FOR UPDATE"
    ))
    .bind(access.company_id)
    .fetch_one(&mut *tx)
    .await?;
    if before.version != input.version {
        return Err(Error::stale_version());
    }
    let after: CompanySettings = sqlx::query_as(concat!(
        "UPDATE companies SET name = $2, legal_name = $3, rtn = $4, currency = $5, address = $6, phone = $7,
                email = $8, require_totp = $9, fiscal_warn_remaining = $10, fiscal_warn_days = $11,
                mail_sender = $12, version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(access.company_id)
    .bind(&name)
    .bind(&legal_name)
    .bind(&rtn)
    .bind(&input.currency)
    .bind(&address)
    .bind(&phone)
    .bind(&email)
    .bind(input.require_totp)
    .bind(input.fiscal_warn_remaining)
    .bind(input.fiscal_warn_days)
    .bind(&mail_sender)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("companies_name_key", name_taken)]))?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "company",
        access.company_id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
