//! The chart of accounts. The accountant edits it; an account that anything
//! references (a child account, a tax code, later journal lines) cannot be
//! deleted — the database's foreign keys say so, and we say it in words.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Access, Tx};
use crate::db::Db;
use crate::records::{audit_change, required_version, violation};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// asset, liability, equity, income or expense.
    pub kind: String,
    pub parent_id: Option<Uuid>,
    /// Headers group accounts; only postable accounts take entries.
    pub postable: bool,
    pub active: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// Digits only, up to 12.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{1,12}$"))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::text::<200>))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = kind_schema))]
    pub kind: String,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    #[serde(default = "yes")]
    pub postable: bool,
    #[serde(default = "yes")]
    pub active: bool,
    /// Required on update.
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

fn yes() -> bool {
    true
}

const KINDS: [&str; 5] = ["asset", "liability", "equity", "income", "expense"];

#[cfg(feature = "openapi")]
fn kind_schema() -> utoipa::openapi::Object {
    crate::schema::one_of(&KINDS)
}

impl AccountInput {
    fn check(&self) -> Result<(String, String)> {
        let mut c = Checks::new();
        let code = self.code.trim().to_owned();
        if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            c.push(FieldIssue::new(
                "/code",
                "invalid_account_code",
                "1 to 12 digits",
            ));
        }
        let name = c.text("/name", &self.name, 1, 200);
        if !KINDS.contains(&self.kind.as_str()) {
            c.push(FieldIssue::new(
                "/kind",
                "unknown_account_kind",
                "asset, liability, equity, income or expense",
            ));
        }
        c.finish()?;
        Ok((code, name))
    }
}

macro_rules! columns {
    () => {
        "id, code, name, kind, parent_id, postable, active, version, updated_at"
    };
}

fn code_taken() -> FieldIssue {
    FieldIssue::new(
        "/code",
        "account_code_taken",
        "another account has this code",
    )
}
fn unknown_parent() -> FieldIssue {
    FieldIssue::new(
        "/parent_id",
        "unknown_parent",
        "no such account in this company",
    )
}
const CONSTRAINTS: [crate::records::Constraint; 2] = [
    ("accounts_company_id_code_key", code_taken),
    ("accounts_company_id_parent_id_fkey", unknown_parent),
];

/// The whole chart, in code order (a few hundred rows at most).
pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<Account>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM accounts ORDER BY code"
    ))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

async fn fetch(tx: &mut Tx, id: Uuid) -> Result<Account> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM accounts WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::not_found("account_not_found"))
}

pub async fn create(db: &Db, user: &SessionUser, input: AccountInput) -> Result<Account> {
    let (code, name) = input.check()?;
    let (access, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Create).await?;
    let account: Account = sqlx::query_as(concat!(
        "INSERT INTO accounts (id, company_id, code, name, kind, parent_id, postable, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(&code)
    .bind(&name)
    .bind(&input.kind)
    .bind(input.parent_id)
    .bind(input.postable)
    .bind(input.active)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &CONSTRAINTS))?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "account",
        account.id,
        None,
        Some(&account),
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn update(db: &Db, user: &SessionUser, id: Uuid, input: AccountInput) -> Result<Account> {
    let version = required_version(input.version)?;
    let (code, name) = input.check()?;
    if input.parent_id == Some(id) {
        return Err(Error::validation(
            "unknown_parent",
            "/parent_id",
            "an account cannot be its own parent",
        ));
    }
    let (access, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Update).await?;
    let before = fetch(&mut tx, id).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let after: Account = sqlx::query_as(concat!(
        "UPDATE accounts SET code = $2, name = $3, kind = $4, parent_id = $5, postable = $6, active = $7,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(&code)
    .bind(&name)
    .bind(&input.kind)
    .bind(input.parent_id)
    .bind(input.postable)
    .bind(input.active)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| violation(e, &CONSTRAINTS))?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "account",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Delete an account nothing references; otherwise a 409 that says why.
pub async fn delete(db: &Db, user: &SessionUser, id: Uuid, version: i32) -> Result<()> {
    let (access, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Archive).await?;
    let before = fetch(&mut tx, id).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    let deleted = sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await;
    if let Err(sqlx::Error::Database(db_err)) = &deleted
        && db_err.code().as_deref() == Some("23503")
    {
        return Err(Error::conflict(
            "account_in_use",
            "this account is in use (sub-accounts, tax codes or entries refer to it); deactivate it instead",
        ));
    }
    deleted?;
    audit_change(
        &mut tx,
        &access,
        "delete",
        "account",
        id,
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
