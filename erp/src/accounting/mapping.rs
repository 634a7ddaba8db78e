//! Which account each automatic entry uses (`ledger_accounts`): receivable,
//! cash, bank, card clearing, revenue per tax class, sales returns; and for
//! stock: inventory of vehicles, of parts and in transit, goods received
//! not invoiced, cost of vehicles and of parts sold, shortages; and for
//! purchases: payable, ISV credit, withholdings payable, non-deductible
//! expenses, exchange differences. Seeded
//! for every company; the accountant may point a purpose at another
//! postable account of the chart.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, required_version};
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

pub const PURPOSES: [&str; 21] = [
    "receivable",
    "cash",
    "bank",
    "card",
    "revenue_isv15",
    "revenue_isv18",
    "revenue_exempt",
    "revenue_exonerated",
    "sales_returns",
    "inventory_vehicles",
    "inventory_parts",
    "inventory_transit",
    "goods_received",
    "cost_vehicles",
    "cost_parts",
    "stock_adjustment",
    "payable",
    "isv_credit",
    "withholding_payable",
    "non_deductible",
    "exchange_difference",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerAccount {
    pub purpose: String,
    pub account_id: Uuid,
    pub account_code: String,
    pub account_name: String,
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LedgerAccountInput {
    pub account_id: Uuid,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

macro_rules! select {
    () => {
        "SELECT m.purpose, m.account_id, a.code AS account_code, a.name AS account_name, m.version
           FROM ledger_accounts m JOIN accounts a ON a.id = m.account_id"
    };
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<LedgerAccount>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Read).await?;
    let mut rows: Vec<LedgerAccount> = sqlx::query_as(select!()).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.sort_by_key(|r| PURPOSES.iter().position(|p| *p == r.purpose));
    Ok(rows)
}

pub async fn update(
    db: &Db,
    user: &SessionUser,
    purpose: &str,
    input: LedgerAccountInput,
) -> Result<LedgerAccount> {
    let version = required_version(input.version)?;
    if !PURPOSES.contains(&purpose) {
        return Err(Error::not_found("ledger_purpose_not_found"));
    }
    let (access, mut tx) = Access::begin(db, user, Resource::Accounts, Action::Update).await?;
    let postable: Option<bool> =
        sqlx::query_scalar("SELECT postable AND active FROM accounts WHERE id = $1")
            .bind(input.account_id)
            .fetch_optional(&mut *tx)
            .await?;
    match postable {
        Some(true) => {}
        Some(false) => {
            return Err(Error::validation(
                "account_not_postable",
                "/account_id",
                "a header or inactive account takes no entries",
            ));
        }
        None => {
            return Err(Error::validation(
                "unknown_account",
                "/account_id",
                "no such account in this company",
            ));
        }
    }
    let before: LedgerAccount =
        sqlx::query_as(concat!(select!(), " WHERE m.purpose = $1 FOR UPDATE OF m"))
            .bind(purpose)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("ledger_purpose_not_found"))?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    sqlx::query("UPDATE ledger_accounts SET account_id = $2, version = version + 1, updated_at = now() WHERE purpose = $1")
        .bind(purpose)
        .bind(input.account_id)
        .execute(&mut *tx)
        .await?;
    let after: LedgerAccount = sqlx::query_as(concat!(select!(), " WHERE m.purpose = $1"))
        .bind(purpose)
        .fetch_one(&mut *tx)
        .await?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "ledger_account",
        before.account_id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
