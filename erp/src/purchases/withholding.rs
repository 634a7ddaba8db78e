//! Withholding codes of the company, and the month's withholdings as the
//! accountant declares and pays them: one row per withholding receipt
//! issued, in lempiras, with the supplier and the bill it was withheld from.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::roles::{Action, Resource};
use crate::sales::book::month_start;
use crate::{Result, SessionUser};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithholdingCode {
    pub id: Uuid,
    /// "ISR-HON".
    pub code: String,
    pub name: String,
    /// Percent of the bill's amount before ISV.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.50"))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub rate: Decimal,
}

pub async fn codes(db: &Db, user: &SessionUser) -> Result<Vec<WithholdingCode>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let rows = sqlx::query_as(
        "SELECT id, code, name, rate FROM withholding_codes WHERE archived_at IS NULL ORDER BY code",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithholdingRow {
    pub date: NaiveDate,
    /// The withholding receipt's number.
    pub withholding_number: String,
    pub cai: String,
    pub code: String,
    pub supplier_name: String,
    pub supplier_rtn: String,
    /// The supplier's document the amount was withheld from.
    pub supplier_number: String,
    /// What the rate applied to, in lempiras.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub base: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::four_places")]
    pub rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub withheld: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Withholdings {
    /// "2026-12".
    pub period: String,
    pub rows: Vec<WithholdingRow>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(serialize_with = "crate::decimal_out::money")]
    pub total: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct WithholdingsQuery {
    /// "2026-12"; the current month when missing.
    #[cfg_attr(feature = "openapi", param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$"))]
    pub period: Option<String>,
}

/// The columns of the month's CSV, in order.
pub const CSV_HEADER: [&str; 10] = [
    "fecha",
    "comprobante",
    "cai",
    "codigo",
    "proveedor",
    "rtn",
    "documento",
    "base",
    "tasa",
    "retenido",
];

impl WithholdingRow {
    pub fn csv_row(&self) -> Vec<String> {
        vec![
            self.date.to_string(),
            self.withholding_number.clone(),
            self.cai.clone(),
            self.code.clone(),
            self.supplier_name.clone(),
            self.supplier_rtn.clone(),
            self.supplier_number.clone(),
            self.base.to_string(),
            self.rate.to_string(),
            self.withheld.to_string(),
        ]
    }
}

pub async fn month(db: &Db, user: &SessionUser, q: WithholdingsQuery) -> Result<Withholdings> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let first = month_start(&mut tx, q.period.as_deref()).await?;
    let rows: Vec<WithholdingRow> = sqlx::query_as(
        "SELECT b.accounting_date AS date, b.withholding_number, b.withholding_cai AS cai, w.code,
                b.supplier_name, coalesce(b.supplier_rtn, '') AS supplier_rtn, b.supplier_number,
                round((b.goods + b.expense + b.non_deductible) * b.exchange_rate, 2) AS base,
                b.withholding_rate AS rate, round(b.withheld * b.exchange_rate, 2) AS withheld
           FROM supplier_bills b JOIN withholding_codes w ON w.id = b.withholding_code_id
          WHERE b.withheld > 0 AND b.reversed_at IS NULL
            AND b.accounting_date >= $1 AND b.accounting_date < ($1 + interval '1 month')
          ORDER BY b.withholding_number",
    )
    .bind(first)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Withholdings {
        period: first.format("%Y-%m").to_string(),
        total: rows.iter().map(|r| r.withheld).sum(),
        rows,
    })
}

/// The month's withholdings as a CSV download (`retenciones-2026-12-….csv`).
pub async fn month_csv(
    db: &Db,
    user: &SessionUser,
    q: WithholdingsQuery,
) -> Result<crate::exports::ExportFile> {
    let month = month(db, user, q).await?;
    let mut out = crate::csv_io::writer();
    let csv_error = |e: csv::Error| crate::Error::internal(anyhow::anyhow!("csv: {e}"));
    out.write_record(CSV_HEADER).map_err(csv_error)?;
    for row in &month.rows {
        out.write_record(row.csv_row()).map_err(csv_error)?;
    }
    Ok(crate::csv_io::file(
        &format!("retenciones-{}", month.period),
        crate::csv_io::finish(out)?,
    ))
}
