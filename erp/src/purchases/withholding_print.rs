//! The withholding receipt (comprobante de retención) as the supplier gets
//! it: issued by the company from its own `withholding` CAI range when a
//! bill of a supplier subject to withholding is recorded. The head is the
//! one every CAI document prints (`fiscal::print`); under it the supplier,
//! the document withheld from, the base, rate and amount in lempiras, the
//! amount in words and the signature of the withholding agent.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::fiscal::print::{self as fiscal_print, date, lempiras_total, signatures};
use crate::pdf::{self, MARGIN, Pdf, WIDTH, Weight};
use crate::roles::{Action, Resource};
use crate::sales::print::Printed;
use crate::values::format_lempiras;
use crate::{Error, Result, SessionUser};

/// What the receipt prints (amounts in lempiras).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Receipt {
    pub number: String,
    pub cai: String,
    pub range_first: String,
    pub range_last: String,
    pub deadline: NaiveDate,
    pub issue_date: NaiveDate,
    pub issuer: serde_json::Value,
    pub supplier_name: String,
    pub supplier_rtn: String,
    /// The supplier's document withheld from, its class and date.
    pub supplier_number: String,
    pub class: String,
    pub document_date: NaiveDate,
    pub code: String,
    pub code_name: String,
    pub base: Decimal,
    pub rate: Decimal,
    pub withheld: Decimal,
    pub reversed: bool,
}

pub async fn pdf(db: &Db, user: &SessionUser, bill: Uuid) -> Result<Printed> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM supplier_bills WHERE id = $1)")
            .bind(bill)
            .fetch_one(&mut *tx)
            .await?;
    if !exists {
        return Err(Error::not_found("bill_not_found"));
    }
    let receipt: Option<Receipt> = sqlx::query_as(concat!(
        "SELECT sb.withholding_number AS number, sb.withholding_cai AS cai,
                sb.withholding_first AS range_first, sb.withholding_last AS range_last,
                sb.withholding_deadline AS deadline, sb.accounting_date AS issue_date, ",
        crate::issuer_json!(),
        " AS issuer, sb.supplier_name, coalesce(sb.supplier_rtn, '') AS supplier_rtn,
                sb.supplier_number, sb.class, sb.issue_date AS document_date, w.code, w.name AS code_name,
                round((sb.goods + sb.expense + sb.non_deductible) * sb.exchange_rate, 2) AS base,
                sb.withholding_rate AS rate, round(sb.withheld * sb.exchange_rate, 2) AS withheld,
                sb.reversed_at IS NOT NULL AS reversed
           FROM supplier_bills sb
           JOIN withholding_codes w ON w.id = sb.withholding_code_id
           JOIN fiscal_ranges r ON r.id = sb.withholding_range_id
           JOIN emission_points e ON e.id = r.emission_point_id
           JOIN branches b ON b.id = e.branch_id
           JOIN companies c ON c.id = e.company_id
          WHERE sb.id = $1 AND sb.withheld > 0"
    ))
    .bind(bill)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let receipt = receipt.ok_or_else(|| {
        Error::conflict(
            "nothing_withheld",
            "nothing was withheld on this bill: it has no withholding receipt",
        )
    })?;
    Ok(Printed {
        file_name: format!("retencion-{}.pdf", receipt.number),
        pdf: layout(&receipt)?.finish()?,
    })
}

/// The document classes as the receipt names them.
fn class_name(class: &str) -> &'static str {
    match class {
        "credit_note" => "Nota de crédito",
        "debit_note" => "Nota de débito",
        "fyduca" => "FYDUCA",
        "dua" => "DUA",
        "foreign" => "Factura del exterior",
        "purchase_receipt" => "Boleta de compra",
        _ => "Factura",
    }
}

const RIGHT: f32 = WIDTH - MARGIN;

pub(crate) fn layout(r: &Receipt) -> Result<Pdf> {
    let mut p = Pdf::new();
    let mut y = fiscal_print::head(
        &mut p,
        &fiscal_print::Head {
            issuer: &r.issuer,
            title: "COMPROBANTE DE RETENCIÓN",
            number: &r.number,
            issue_date: r.issue_date,
            cai: &r.cai,
            range_first: &r.range_first,
            range_last: &r.range_last,
            deadline: r.deadline,
        },
    );
    p.text(MARGIN, y, 9.5, Weight::Bold, "Sujeto retenido:");
    p.text(
        MARGIN + 90.0,
        y,
        9.5,
        Weight::Regular,
        &pdf::fit(&r.supplier_name, 9.5, Weight::Regular, 280.0),
    );
    p.text_right(
        RIGHT,
        y,
        9.5,
        Weight::Regular,
        &format!("RTN: {}", r.supplier_rtn),
    );
    y += 22.0;

    // One row: the document withheld from and what was withheld on it.
    let cols = [MARGIN + 4.0, 190.0, 250.0, 380.0, 430.0];
    p.shade(MARGIN, y - 11.0, RIGHT - MARGIN, 16.0, 225);
    for (x, label) in cols
        .iter()
        .zip(["Documento", "Fecha", "Impuesto", "Base", "Tasa %"])
    {
        if *x >= 380.0 {
            p.text_right(*x + 40.0, y, 8.5, Weight::Bold, label);
        } else {
            p.text(*x, y, 8.5, Weight::Bold, label);
        }
    }
    p.text_right(RIGHT - 4.0, y, 8.5, Weight::Bold, "Retenido");
    y += 16.0;
    p.text(
        cols[0],
        y,
        8.5,
        Weight::Regular,
        &pdf::fit(
            &format!("{} {}", class_name(&r.class), r.supplier_number),
            8.5,
            Weight::Regular,
            150.0,
        ),
    );
    p.text(cols[1], y, 8.5, Weight::Regular, &date(r.document_date));
    p.text(
        cols[2],
        y,
        8.5,
        Weight::Regular,
        &pdf::fit(
            &format!("{} {}", r.code, r.code_name),
            8.5,
            Weight::Regular,
            100.0,
        ),
    );
    p.text_right(
        cols[3] + 40.0,
        y,
        8.5,
        Weight::Regular,
        &format_lempiras(r.base),
    );
    p.text_right(
        cols[4] + 40.0,
        y,
        8.5,
        Weight::Regular,
        &r.rate.normalize().to_string(),
    );
    p.text_right(
        RIGHT - 4.0,
        y,
        8.5,
        Weight::Regular,
        &format_lempiras(r.withheld),
    );
    y = lempiras_total(&mut p, y, "TOTAL RETENIDO", r.withheld);
    if r.reversed {
        y += 10.0;
        p.text(
            MARGIN,
            y,
            11.0,
            Weight::Bold,
            "ANULADO: la factura de la que se retuvo fue revertida.",
        );
    }

    // The withholding agent signs; the copies.
    signatures(
        &mut p,
        y + 70.0,
        (
            "Firma y sello del agente de retención",
            "Recibido por el sujeto retenido",
        ),
        "Original: Sujeto retenido / Copia: Agente de retención",
    );
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_receipt_lays_out_on_one_page() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let r = Receipt {
            number: "001-001-05-00000001".into(),
            cai: "C1D2E3-F4A5B6-C7D8E9-F0A1B2-C3D4E5-F6".into(),
            range_first: "001-001-05-00000001".into(),
            range_last: "001-001-05-00000500".into(),
            deadline: day,
            issue_date: day,
            issuer: serde_json::json!({"legal_name": "Motos Catrachas S. de R.L.", "rtn": "08019012345678"}),
            supplier_name: "Bufete Mejía & Asociados".into(),
            supplier_rtn: "08011985123456".into(),
            supplier_number: "001-001-01-00000456".into(),
            class: "invoice".into(),
            document_date: day,
            code: "ISR-HON".into(),
            code_name: "ISR honorarios profesionales".into(),
            base: d("10000.00"),
            rate: d("12.50"),
            withheld: d("1250.00"),
            reversed: false,
        };
        let p = layout(&r).expect("layout");
        assert_eq!(p.page_count(), 1);
        let bytes = p.finish().expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        // (set $ERP_PRINT_SAMPLE to a path to look at it)
        if let Ok(path) = std::env::var("ERP_PRINT_SAMPLE") {
            let _ = std::fs::write(path, &bytes);
        }
    }
}
