//! Aged receivables: what each customer still owes, by days past the due
//! date on a given day — 0–30 (including what is not due yet), 31–60, 61–90
//! and over 90. In lempiras.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Result;
use crate::SessionUser;
use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingRow {
    pub party_id: Uuid,
    pub party_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub days_0_30: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub days_31_60: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub days_61_90: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub over_90: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Aging {
    pub as_of: NaiveDate,
    pub rows: Vec<AgingRow>,
    /// The column sums (party_id nil, party_name empty).
    pub totals: AgingRow,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AgingQuery {
    /// Default: today.
    pub as_of: Option<NaiveDate>,
}

pub async fn aged_receivables(db: &Db, user: &SessionUser, q: AgingQuery) -> Result<Aging> {
    let (_, mut tx) = Access::begin(db, user, Resource::Payments, Action::Read).await?;
    let as_of: NaiveDate = match q.as_of {
        Some(d) => d,
        None => {
            sqlx::query_scalar("SELECT hn_today()")
                .fetch_one(&mut *tx)
                .await?
        }
    };
    let rows: Vec<AgingRow> = sqlx::query_as(
        "WITH open AS (
             SELECT b.party_id, round(b.open_amount * b.exchange_rate, 2) AS amount,
                    greatest($1 - b.due_date, 0) AS days
               FROM invoice_balances b WHERE b.open_amount > 0 AND b.issue_date <= $1)
         SELECT o.party_id, p.name AS party_name,
                coalesce(sum(amount) FILTER (WHERE days <= 30), 0) AS days_0_30,
                coalesce(sum(amount) FILTER (WHERE days BETWEEN 31 AND 60), 0) AS days_31_60,
                coalesce(sum(amount) FILTER (WHERE days BETWEEN 61 AND 90), 0) AS days_61_90,
                coalesce(sum(amount) FILTER (WHERE days > 90), 0) AS over_90,
                sum(amount) AS total
           FROM open o JOIN parties p ON p.id = o.party_id
          GROUP BY o.party_id, p.name ORDER BY p.name",
    )
    .bind(as_of)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut totals = AgingRow::default();
    for r in &rows {
        totals.days_0_30 += r.days_0_30;
        totals.days_31_60 += r.days_31_60;
        totals.days_61_90 += r.days_61_90;
        totals.over_90 += r.over_90;
        totals.total += r.total;
    }
    Ok(Aging {
        as_of,
        rows,
        totals,
    })
}
