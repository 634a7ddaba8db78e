//! The trial balance: debits and credits per account up to the end of a
//! month, for one company or consolidated over a chosen set of companies
//! (accounts of the same code add up). Read from the monthly totals the
//! database keeps as lines are written, so its cost does not grow with the
//! number of entries.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialBalanceRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub debit: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub credit: Decimal,
    /// debit − credit.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub balance: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialBalance {
    pub companies: Vec<Uuid>,
    /// Up to the end of this month, "2026-11".
    pub period: String,
    pub rows: Vec<TrialBalanceRow>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total_debit: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total_credit: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct TrialBalanceQuery {
    /// Company ids separated by commas; the active company when missing.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){0,49})?$"
        )
    )]
    pub companies: Option<String>,
    /// "2026-11"; the current month when missing.
    #[cfg_attr(feature = "openapi", param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$"))]
    pub period: Option<String>,
}

fn parse_period(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").map_err(|_| {
        Error::validation(
            "invalid_period",
            "/period",
            "a month as YYYY-MM, e.g. 2026-11",
        )
    })
}

pub async fn trial_balance(
    db: &Db,
    user: &SessionUser,
    q: TrialBalanceQuery,
) -> Result<TrialBalance> {
    let period = match q.period.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => Some(parse_period(p)?),
        None => None,
    };
    let (companies, mut tx) = Access::begin_chosen(
        db,
        user,
        q.companies.as_deref(),
        Resource::Ledger,
        Action::Read,
    )
    .await?;
    let period = match period {
        Some(p) => p,
        None => {
            let today: NaiveDate = sqlx::query_scalar("SELECT hn_today()")
                .fetch_one(&mut *tx)
                .await?;
            today.with_day(1).unwrap_or(today)
        }
    };
    let rows: Vec<TrialBalanceRow> = sqlx::query_as(
        "SELECT a.code, min(a.name) AS name, min(a.kind) AS kind, sum(t.debit)::numeric(20, 2) AS debit,
                sum(t.credit)::numeric(20, 2) AS credit, (sum(t.debit) - sum(t.credit))::numeric(20, 2) AS balance
           FROM ledger_totals t JOIN accounts a ON a.id = t.account_id
          WHERE t.company_id = ANY($1) AND t.period <= $2
          GROUP BY a.code
         HAVING sum(t.debit) <> 0 OR sum(t.credit) <> 0
          ORDER BY a.code",
    )
    .bind(&companies)
    .bind(period)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(TrialBalance {
        total_debit: rows.iter().map(|r| r.debit).sum(),
        total_credit: rows.iter().map(|r| r.credit).sum(),
        companies,
        period: period.format("%Y-%m").to_string(),
        rows,
    })
}
