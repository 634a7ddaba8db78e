//! The customer statement: what was charged and paid between two dates,
//! with the balance before, after each movement and at the end, and the
//! invoices still open. In lempiras (documents in dollars at their rate).

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
pub struct Movement {
    pub date: NaiveDate,
    /// invoice, credit_note, payment or payment_reversal.
    pub kind: String,
    /// Fiscal number, or the receipt's REC-number.
    pub reference: String,
    pub document_id: Uuid,
    /// What the customer was charged.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub debit: Decimal,
    /// What was paid or credited.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub credit: Decimal,
    #[sqlx(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub balance: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenInvoice {
    pub id: Uuid,
    pub fiscal_number: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
    /// Still owed, in the invoice's currency.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub open_amount: Decimal,
    /// Days past the due date on the statement's last day (0 when not due).
    pub days_overdue: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    pub party_id: Uuid,
    pub party_name: String,
    pub party_rtn: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub opening_balance: Decimal,
    pub movements: Vec<Movement>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub closing_balance: Decimal,
    pub open_invoices: Vec<OpenInvoice>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// Default: the first day of the current month.
    pub from: Option<NaiveDate>,
    /// Default: today.
    pub to: Option<NaiveDate>,
}

/// Every movement of one customer ($1) in lempiras.
macro_rules! movements {
    () => {
        "
    SELECT * FROM (
        SELECT d.issue_date AS date, d.kind, d.fiscal_number AS reference, d.id AS document_id,
               CASE d.kind WHEN 'invoice' THEN round(d.total * d.exchange_rate, 2) ELSE 0 END AS debit,
               CASE d.kind WHEN 'credit_note' THEN round(d.total * d.exchange_rate, 2) ELSE 0 END AS credit,
               d.posted_at AS at
          FROM sales_documents d
         WHERE d.party_id = $1 AND d.status = 'posted'
        UNION ALL
        SELECT p.payment_date, 'payment', 'REC-' || lpad(p.doc_no::text, 5, '0'), p.id,
               0, round(p.amount * p.exchange_rate, 2), p.created_at
          FROM payments p WHERE p.party_id = $1
        UNION ALL
        SELECT (p.reversed_at AT TIME ZONE 'America/Tegucigalpa')::date, 'payment_reversal',
               'REC-' || lpad(p.doc_no::text, 5, '0'), p.id, round(p.amount * p.exchange_rate, 2), 0, p.reversed_at
          FROM payments p WHERE p.party_id = $1 AND p.reversed_at IS NOT NULL
    ) m"
    };
}

pub async fn statement(
    db: &Db,
    user: &SessionUser,
    party_id: Uuid,
    q: StatementQuery,
) -> Result<Statement> {
    let (_, mut tx) = Access::begin(db, user, Resource::Payments, Action::Read).await?;
    let (name, rtn, today): (String, Option<String>, NaiveDate) =
        sqlx::query_as("SELECT name, rtn, hn_today() FROM parties WHERE id = $1")
            .bind(party_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("party_not_found"))?;
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to {
        return Err(Error::validation(
            "invalid_period",
            "/from",
            "the statement starts after it ends",
        ));
    }
    let opening: Decimal = sqlx::query_scalar(concat!(
        "SELECT coalesce(sum(debit - credit), 0) FROM (",
        movements!(),
        ") x WHERE date < $2"
    ))
    .bind(party_id)
    .bind(from)
    .fetch_one(&mut *tx)
    .await?;
    let mut movements: Vec<Movement> = sqlx::query_as(concat!(
        "SELECT date, kind, reference, document_id, debit, credit FROM (",
        movements!(),
        ") x WHERE date BETWEEN $2 AND $3 ORDER BY date, at"
    ))
    .bind(party_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let mut balance = opening;
    for m in &mut movements {
        balance += m.debit - m.credit;
        m.balance = balance;
    }
    let open_invoices = sqlx::query_as(
        "SELECT id, fiscal_number, issue_date, due_date, currency::text AS currency, total, open_amount,
                greatest($2 - due_date, 0) AS days_overdue
           FROM invoice_balances WHERE party_id = $1 AND open_amount > 0 ORDER BY due_date, fiscal_number",
    )
    .bind(party_id)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Statement {
        party_id,
        party_name: name,
        party_rtn: rtn,
        from,
        to,
        opening_balance: opening,
        movements,
        closing_balance: balance,
        open_invoices,
    })
}
