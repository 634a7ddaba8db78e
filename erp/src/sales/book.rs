//! The sales book (libro de ventas) of a month: every posted invoice and
//! credit note in number order with its buyer and the 15 %/18 % split, in
//! lempiras (dollar documents at their rate, each amount rounded to cents).
//! Credit notes count negative, so the totals are the month's net sales.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookRow {
    pub date: Option<NaiveDate>,
    pub fiscal_number: String,
    /// invoice or credit_note.
    pub kind: String,
    pub buyer_name: String,
    /// Empty for "Consumidor Final".
    pub buyer_rtn: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exempt: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exonerated: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub taxed15: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub isv15: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub taxed18: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub isv18: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesBook {
    /// "2026-11".
    pub period: String,
    pub rows: Vec<BookRow>,
    /// Column sums (date empty).
    pub totals: BookRow,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SalesBookQuery {
    /// "2026-11"; the current month when missing.
    #[cfg_attr(feature = "openapi", param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$"))]
    pub period: Option<String>,
}

pub async fn sales_book(db: &Db, user: &SessionUser, q: SalesBookQuery) -> Result<SalesBook> {
    let (_, mut tx) = Access::begin(db, user, Resource::Sales, Action::Read).await?;
    let first = month_start(&mut tx, q.period.as_deref()).await?;
    let rows: Vec<BookRow> = sqlx::query_as(
        "SELECT issue_date AS date, fiscal_number, kind, coalesce(buyer_name, '') AS buyer_name,
                coalesce(buyer_rtn, '') AS buyer_rtn,
                s * round(exempt * exchange_rate, 2) AS exempt, s * round(exonerated * exchange_rate, 2) AS exonerated,
                s * round(taxed15 * exchange_rate, 2) AS taxed15, s * round(isv15 * exchange_rate, 2) AS isv15,
                s * round(taxed18 * exchange_rate, 2) AS taxed18, s * round(isv18 * exchange_rate, 2) AS isv18,
                s * round(total * exchange_rate, 2) AS total
           FROM (SELECT *, CASE kind WHEN 'credit_note' THEN -1 ELSE 1 END AS s FROM sales_documents) d
          WHERE status = 'posted' AND issue_date >= $1 AND issue_date < ($1 + interval '1 month')
          ORDER BY fiscal_number",
    )
    .bind(first)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut totals = BookRow::default();
    for r in &rows {
        totals.exempt += r.exempt;
        totals.exonerated += r.exonerated;
        totals.taxed15 += r.taxed15;
        totals.isv15 += r.isv15;
        totals.taxed18 += r.taxed18;
        totals.isv18 += r.isv18;
        totals.total += r.total;
    }
    Ok(SalesBook {
        period: first.format("%Y-%m").to_string(),
        rows,
        totals,
    })
}

/// The first day of `period` ("2026-11"), or of this month in Honduras
/// when none is given: the month a book or a monthly list covers.
pub(crate) async fn month_start(
    tx: &mut sqlx::PgConnection,
    period: Option<&str>,
) -> Result<NaiveDate> {
    match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").map_err(|_| {
            Error::validation(
                "invalid_period",
                "/period",
                "a month as YYYY-MM, e.g. 2026-11",
            )
        }),
        None => Ok(
            sqlx::query_scalar("SELECT date_trunc('month', hn_today())::date")
                .fetch_one(&mut *tx)
                .await?,
        ),
    }
}
