//! The purchase book (libro de compras) of a month: every supplier
//! document with a fiscal side booked that month — local invoices and
//! notes, Central American FYDUCA and import declarations (DUA) — with
//! the supplier, its RTN and the 15 %/18 % split, in lempiras (dollar
//! documents at their rate, each amount rounded to cents). Credit notes
//! count negative, so the ISV column is the month's net ISV credit: what
//! the bills debited to it. A foreign commercial invoice is not in it (its
//! import is, as the DUA). A bill reversed in the month it was booked is
//! not in it either; one reversed in a later month stays in its own month
//! (that book may have been filed) and comes back negative, dated by its
//! reversal, in the month of the reversal — as the ledger has it.
//!
//! The same rows, by class, are the three sheets of the SAR's monthly
//! purchase declaration (DMC): local purchases, FYDUCA, imports by DUA.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::sales::book::month_start;
use crate::{Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseBookRow {
    pub date: Option<NaiveDate>,
    /// invoice, credit_note, debit_note, fyduca or dua.
    pub class: String,
    /// The supplier's number (or the FYDUCA or DUA number).
    pub number: String,
    pub cai: String,
    pub supplier_name: String,
    pub supplier_rtn: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exempt: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub exonerated: Decimal,
    pub exoneration_ref: String,
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
    /// Bases plus ISV.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub withheld: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseBook {
    /// "2026-12".
    pub period: String,
    pub rows: Vec<PurchaseBookRow>,
    /// Column sums (date empty).
    pub totals: PurchaseBookRow,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct PurchaseBookQuery {
    /// "2026-12"; the current month when missing.
    #[cfg_attr(feature = "openapi", param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$"))]
    pub period: Option<String>,
}

pub async fn purchase_book(
    db: &Db,
    user: &SessionUser,
    q: PurchaseBookQuery,
) -> Result<PurchaseBook> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let first = month_start(&mut tx, q.period.as_deref()).await?;
    let rows: Vec<PurchaseBookRow> = sqlx::query_as(
        "WITH m AS (SELECT $1::date AS first, ($1 + interval '1 month')::date AS next),
              bills AS (
                SELECT b.*, e.entry_date AS reversed_on
                  FROM m, supplier_bills b LEFT JOIN journal_entries e ON e.id = b.reversal_entry_id
                 WHERE b.class <> 'foreign'
                   AND ((b.accounting_date >= m.first AND b.accounting_date < m.next)
                        OR b.reversed_at >= m.first - interval '1 day')),
              booked AS (
                -- booked this month and not reversed within it
                SELECT b.*, b.accounting_date AS on_date, 1 AS r FROM bills b, m
                 WHERE b.accounting_date >= m.first AND b.accounting_date < m.next
                   AND (b.reversed_on IS NULL OR b.reversed_on >= m.next)
                UNION ALL
                -- booked before, reversed this month: its opposite, on the reversal's day
                SELECT b.*, b.reversed_on, -1 FROM bills b, m
                 WHERE b.accounting_date < m.first
                   AND b.reversed_on >= m.first AND b.reversed_on < m.next)
         SELECT b.on_date AS date, b.class, b.supplier_number AS number,
                coalesce(c.cai, '') AS cai, b.supplier_name, coalesce(b.supplier_rtn, '') AS supplier_rtn,
                s * round(b.exempt * b.exchange_rate, 2) AS exempt,
                s * round(b.exonerated * b.exchange_rate, 2) AS exonerated, b.exoneration_ref,
                s * round(b.taxed15 * b.exchange_rate, 2) AS taxed15, s * round(b.isv15 * b.exchange_rate, 2) AS isv15,
                s * round(b.taxed18 * b.exchange_rate, 2) AS taxed18, s * round(b.isv18 * b.exchange_rate, 2) AS isv18,
                s * (round((b.exempt + b.exonerated + b.taxed15 + b.taxed18) * b.exchange_rate, 2)
                     + round((b.isv15 + b.isv18) * b.exchange_rate, 2)) AS total,
                s * round(b.withheld * b.exchange_rate, 2) AS withheld
           FROM (SELECT *, r * CASE class WHEN 'credit_note' THEN -1 ELSE 1 END AS s FROM booked) b
           LEFT JOIN supplier_cais c ON c.id = b.supplier_cai_id
          ORDER BY b.on_date, b.doc_no, b.r DESC",
    )
    .bind(first)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut totals = PurchaseBookRow::default();
    for r in &rows {
        totals.exempt += r.exempt;
        totals.exonerated += r.exonerated;
        totals.taxed15 += r.taxed15;
        totals.isv15 += r.isv15;
        totals.taxed18 += r.taxed18;
        totals.isv18 += r.isv18;
        totals.total += r.total;
        totals.withheld += r.withheld;
    }
    Ok(PurchaseBook {
        period: first.format("%Y-%m").to_string(),
        rows,
        totals,
    })
}
