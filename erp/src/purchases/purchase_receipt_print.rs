//! The purchase receipt (boleta de compra) as seller and buyer sign it: the
//! head every CAI document prints (`fiscal::print`), the seller, the vehicle
//! bought (model, VIN, engine, colour, year), the price in figures and in
//! words, and both signatures.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::Access;
use crate::db::Db;
use crate::fiscal::print::{self as fiscal_print, lempiras_total, signatures};
use crate::pdf::{self, MARGIN, Pdf, WIDTH, Weight};
use crate::roles::{Action, Resource};
use crate::sales::print::Printed;
use crate::values::format_lempiras;
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Boleta {
    pub number: String,
    pub cai: String,
    pub range_first: String,
    pub range_last: String,
    pub deadline: NaiveDate,
    pub issue_date: NaiveDate,
    pub issuer: serde_json::Value,
    pub seller_name: String,
    pub seller_rtn: String,
    pub product_name: String,
    pub serial: String,
    pub engine_no: String,
    pub colour: String,
    pub model_year: Option<i32>,
    pub price: Decimal,
    pub reversed: bool,
}

pub async fn pdf(db: &Db, user: &SessionUser, bill: Uuid) -> Result<Printed> {
    let (_, mut tx) = Access::begin(db, user, Resource::Purchases, Action::Read).await?;
    let class: Option<String> =
        sqlx::query_scalar("SELECT class FROM supplier_bills WHERE id = $1")
            .bind(bill)
            .fetch_optional(&mut *tx)
            .await?;
    match class.as_deref() {
        None => return Err(Error::not_found("bill_not_found")),
        Some("purchase_receipt") => {}
        Some(_) => {
            return Err(Error::conflict(
                "not_a_purchase_receipt",
                "only a purchase receipt (boleta de compra) prints as one",
            ));
        }
    }
    // The unit is the one the boleta's own stock receipt brought in (the
    // receipt carries the boleta's number as its reference).
    let boleta: Boleta = sqlx::query_as(concat!(
        "WITH r AS (
             SELECT f.id, f.cai, f.deadline,
                    b.code || '-' || e.code || '-' || f.type_code || '-' || lpad(f.first_number::text, 8, '0') AS first,
                    b.code || '-' || e.code || '-' || f.type_code || '-' || lpad(f.last_number::text, 8, '0') AS last
               FROM fiscal_ranges f JOIN emission_points e ON e.id = f.emission_point_id
               JOIN branches b ON b.id = e.branch_id)
         SELECT sb.supplier_number AS number, sb.own_cai AS cai, r.first AS range_first, r.last AS range_last,
                sb.own_deadline AS deadline, sb.issue_date, ",
        crate::issuer_json!(),
        " AS issuer, sb.supplier_name AS seller_name, coalesce(sb.supplier_rtn, '') AS seller_rtn,
                p.name AS product_name, s.serial, s.engine_no, s.colour, s.model_year,
                round(sb.total * sb.exchange_rate, 2) AS price, sb.reversed_at IS NOT NULL AS reversed
           FROM supplier_bills sb
           JOIN r ON r.id = sb.own_range_id
           JOIN fiscal_ranges f ON f.id = sb.own_range_id
           JOIN emission_points e ON e.id = f.emission_point_id
           JOIN branches b ON b.id = e.branch_id
           JOIN companies c ON c.id = e.company_id
           JOIN stock_documents d ON d.kind = 'receipt' AND d.reference = sb.supplier_number
           JOIN stock_moves m ON m.document_id = d.id AND m.serial_id IS NOT NULL
           JOIN serial_numbers s ON s.id = m.serial_id
           JOIN products p ON p.id = s.product_id
          WHERE sb.id = $1
          ORDER BY d.doc_no LIMIT 1"
    ))
    .bind(bill)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Printed {
        file_name: format!("boleta-{}.pdf", boleta.number),
        pdf: layout(&boleta)?.finish()?,
    })
}

const RIGHT: f32 = WIDTH - MARGIN;

pub(crate) fn layout(b: &Boleta) -> Result<Pdf> {
    let mut p = Pdf::new();
    let mut y = fiscal_print::head(
        &mut p,
        &fiscal_print::Head {
            issuer: &b.issuer,
            title: "BOLETA DE COMPRA",
            number: &b.number,
            issue_date: b.issue_date,
            cai: &b.cai,
            range_first: &b.range_first,
            range_last: &b.range_last,
            deadline: b.deadline,
        },
    );
    p.text(MARGIN, y, 9.5, Weight::Bold, "Vendedor:");
    p.text(
        MARGIN + 60.0,
        y,
        9.5,
        Weight::Regular,
        &pdf::fit(&b.seller_name, 9.5, Weight::Regular, 300.0),
    );
    if !b.seller_rtn.is_empty() {
        p.text_right(
            RIGHT,
            y,
            9.5,
            Weight::Regular,
            &format!("RTN: {}", b.seller_rtn),
        );
    }
    y += 24.0;
    p.shade(MARGIN, y - 11.0, RIGHT - MARGIN, 16.0, 225);
    p.text(MARGIN + 4.0, y, 8.5, Weight::Bold, "Bien adquirido");
    p.text_right(RIGHT - 4.0, y, 8.5, Weight::Bold, "Precio");
    y += 16.0;
    p.text(
        MARGIN + 4.0,
        y,
        9.0,
        Weight::Regular,
        &pdf::fit(&b.product_name, 9.0, Weight::Regular, 380.0),
    );
    p.text_right(
        RIGHT - 4.0,
        y,
        9.0,
        Weight::Regular,
        &format_lempiras(b.price),
    );
    let facts = [
        ("VIN", b.serial.clone()),
        ("Motor", b.engine_no.clone()),
        ("Color", b.colour.clone()),
        (
            "Año",
            b.model_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
    ];
    for (label, value) in facts.iter().filter(|(_, v)| !v.is_empty()) {
        y += 12.0;
        p.text(
            MARGIN + 14.0,
            y,
            8.5,
            Weight::Regular,
            &format!("{label}: {value}"),
        );
    }
    y = lempiras_total(&mut p, y + 2.0, "TOTAL", b.price);
    y += 8.0;
    for line in pdf::wrap(
        "El vendedor declara que el bien es de su legítima propiedad, libre de gravámenes, y que no está obligado a emitir factura por esta venta.",
        8.0,
        Weight::Regular,
        RIGHT - MARGIN,
    ) {
        p.text(MARGIN, y, 8.0, Weight::Regular, &line);
        y += 10.0;
    }
    if b.reversed {
        y += 10.0;
        p.text(
            MARGIN,
            y,
            11.0,
            Weight::Bold,
            "ANULADA: la compra fue revertida.",
        );
    }
    signatures(
        &mut p,
        y + 60.0,
        ("Firma del vendedor", "Firma y sello del comprador"),
        "Original: Vendedor / Copia: Comprador",
    );
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_boleta_lays_out_on_one_page() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        let b = Boleta {
            number: "001-001-10-00000001".into(),
            cai: "6A7B8C-9D0E1F-2A3B4C-5D6E7F-8A9B0C-1D".into(),
            range_first: "001-001-10-00000001".into(),
            range_last: "001-001-10-00000100".into(),
            deadline: day,
            issue_date: day,
            issuer: serde_json::json!({"legal_name": "Motos Catrachas S. de R.L.", "rtn": "08019012345678"}),
            seller_name: "Juan Pérez".into(),
            seller_rtn: String::new(),
            product_name: "Motocicleta Honda XR190L".into(),
            serial: "MLHKD0810R5177701".into(),
            engine_no: "KD08E-777001".into(),
            colour: "Azul".into(),
            model_year: Some(2021),
            price: Decimal::from_str("85000.00").unwrap_or_default(),
            reversed: false,
        };
        let bytes = layout(&b).expect("layout").finish().expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        if let Ok(path) = std::env::var("ERP_PRINT_SAMPLE") {
            let _ = std::fs::write(path, &bytes);
        }
    }
}
