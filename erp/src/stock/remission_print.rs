//! The remission guide (guía de remisión) that travels with goods moved
//! between the company's own warehouses: the head every CAI document prints
//! (`fiscal::print`), the reason, where the goods leave from and arrive at,
//! the day the move starts, what is carried (product, VIN, quantity — no
//! prices), blanks for the carrier to fill in, and the signatures.

use chrono::NaiveDate;
use uuid::Uuid;

use super::documents::{self, StockMove};
use crate::access::Access;
use crate::db::Db;
use crate::fiscal::print::{self as fiscal_print, date, signatures};
use crate::pdf::{self, MARGIN, Pdf, WIDTH, Weight};
use crate::roles::{Action, Resource};
use crate::sales::print::Printed;
use crate::{Error, Result, SessionUser};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuideHead {
    pub number: String,
    pub cai: String,
    pub range_first: String,
    pub range_last: String,
    pub deadline: NaiveDate,
    pub issue_date: NaiveDate,
    pub issuer: serde_json::Value,
    /// "BOD-01 — Bodega principal, <branch address>".
    pub origin: String,
    pub destination: String,
}

pub async fn pdf(db: &Db, user: &SessionUser, id: Uuid) -> Result<Printed> {
    let (_, mut tx) = Access::begin(db, user, Resource::Stock, Action::Read).await?;
    let doc = documents::fetch(&mut tx, id).await?;
    let Some(first) = doc.moves.first() else {
        return Err(Error::conflict(
            "no_remission_guide",
            "this document carries no remission guide",
        ));
    };
    let head: Option<GuideHead> = sqlx::query_as(concat!(
        "WITH place AS (
             SELECT l.id, l.code || ' — ' || l.name || coalesce(', ' || nullif(br.address, ''), '') AS text
               FROM stock_locations l LEFT JOIN warehouses w ON w.id = l.warehouse_id
               LEFT JOIN branches br ON br.id = w.branch_id)
         SELECT d.remission_number AS number, d.remission_cai AS cai, d.remission_first AS range_first,
                d.remission_last AS range_last, d.remission_deadline AS deadline, d.doc_date AS issue_date, ",
        crate::issuer_json!(),
        " AS issuer, (SELECT text FROM place WHERE id = $2) AS origin,
                (SELECT text FROM place WHERE id = $3) AS destination
           FROM stock_documents d
           JOIN fiscal_ranges r ON r.id = d.remission_range_id
           JOIN emission_points e ON e.id = r.emission_point_id
           JOIN branches b ON b.id = e.branch_id
           JOIN companies c ON c.id = e.company_id
          WHERE d.id = $1 AND d.remission_number IS NOT NULL"
    ))
    .bind(id)
    .bind(first.from_location_id)
    .bind(first.to_location_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let head = head.ok_or_else(|| {
        Error::conflict(
            "no_remission_guide",
            "this document carries no remission guide",
        )
    })?;
    Ok(Printed {
        file_name: format!("guia-{}.pdf", head.number),
        pdf: layout(&head, &doc.moves)?.finish()?,
    })
}

const RIGHT: f32 = WIDTH - MARGIN;
const BOTTOM: f32 = 700.0;

pub(crate) fn layout(h: &GuideHead, moves: &[StockMove]) -> Result<Pdf> {
    let mut p = Pdf::new();
    let mut y = fiscal_print::head(
        &mut p,
        &fiscal_print::Head {
            issuer: &h.issuer,
            title: "GUÍA DE REMISIÓN",
            number: &h.number,
            issue_date: h.issue_date,
            cai: &h.cai,
            range_first: &h.range_first,
            range_last: &h.range_last,
            deadline: h.deadline,
        },
    );
    let facts = [
        (
            "Motivo del traslado:",
            "Traslado entre establecimientos de la misma empresa".to_owned(),
        ),
        ("Punto de partida:", h.origin.clone()),
        ("Punto de llegada:", h.destination.clone()),
        ("Inicio del traslado:", date(h.issue_date)),
    ];
    for (label, value) in facts {
        p.text(MARGIN, y, 9.0, Weight::Bold, label);
        p.text(
            MARGIN + 110.0,
            y,
            9.0,
            Weight::Regular,
            &pdf::fit(&value, 9.0, Weight::Regular, RIGHT - MARGIN - 110.0),
        );
        y += 13.0;
    }
    p.text(
        MARGIN,
        y,
        9.0,
        Weight::Regular,
        "Transportista: ______________________   Licencia: ____________   Vehículo y placa: ______________",
    );
    y += 22.0;
    let header = |p: &mut Pdf, y: f32| {
        p.shade(MARGIN, y - 11.0, RIGHT - MARGIN, 16.0, 225);
        p.text(MARGIN + 4.0, y, 8.5, Weight::Bold, "Código");
        p.text(MARGIN + 90.0, y, 8.5, Weight::Bold, "Descripción");
        p.text(360.0, y, 8.5, Weight::Bold, "VIN / serie");
        p.text_right(RIGHT - 4.0, y, 8.5, Weight::Bold, "Cantidad");
        y + 16.0
    };
    y = header(&mut p, y);
    for m in moves {
        if y > BOTTOM {
            p.text_right(RIGHT, BOTTOM + 20.0, 8.0, Weight::Regular, "continúa…");
            p.new_page();
            y = header(&mut p, MARGIN + 14.0);
        }
        p.text(
            MARGIN + 4.0,
            y,
            8.5,
            Weight::Regular,
            &pdf::fit(&m.sku, 8.5, Weight::Regular, 80.0),
        );
        p.text(
            MARGIN + 90.0,
            y,
            8.5,
            Weight::Regular,
            &pdf::fit(&m.product_name, 8.5, Weight::Regular, 220.0),
        );
        p.text(
            360.0,
            y,
            8.5,
            Weight::Regular,
            m.serial.as_deref().unwrap_or_default(),
        );
        p.text_right(
            RIGHT - 4.0,
            y,
            8.5,
            Weight::Regular,
            &m.quantity.normalize().to_string(),
        );
        y += 12.0;
    }
    p.rule(MARGIN, y - 4.0, RIGHT, y - 4.0, 0.6);
    signatures(
        &mut p,
        (y + 60.0).min(BOTTOM + 20.0),
        (
            "Entregado por (firma y sello)",
            "Recibido por (firma y sello)",
        ),
        "Original: Acompaña la mercadería / Copia: Emisor",
    );
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn a_guide_lists_what_it_carries_and_runs_onto_more_pages() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        let h = GuideHead {
            number: "001-001-09-00000001".into(),
            cai: "7B8C9D-0E1F2A-3B4C5D-6E7F8A-9B0C1D-2E".into(),
            range_first: "001-001-09-00000001".into(),
            range_last: "001-001-09-00000100".into(),
            deadline: day,
            issue_date: day,
            issuer: serde_json::json!({"legal_name": "Motos Catrachas S. de R.L.", "rtn": "08019012345678"}),
            origin: "BOD-01 — Bodega principal, Bulevar Morazán".into(),
            destination: "W2 — Bodega San Pedro Sula".into(),
        };
        let unit = |i: usize| StockMove {
            line_no: i as i32,
            product_id: Uuid::nil(),
            sku: "XR190L".into(),
            product_name: "Motocicleta Honda XR190L".into(),
            serial_id: None,
            serial: Some(format!("MLHKD0810R51{i:05}")),
            quantity: Decimal::ONE,
            from_location_id: Uuid::nil(),
            from_code: "BOD-01".into(),
            to_location_id: Uuid::nil(),
            to_code: "W2".into(),
            unit_cost: None,
            value: Decimal::ZERO,
            sales_line_id: None,
            purchase_line_id: None,
        };
        let few: Vec<StockMove> = (0..3).map(unit).collect();
        assert_eq!(layout(&h, &few).map(|p| p.page_count()).ok(), Some(1));
        let many: Vec<StockMove> = (0..80).map(unit).collect();
        let long = layout(&h, &many).expect("layout");
        assert_eq!(long.page_count(), 2);
        let bytes = long.finish().expect("pdf");
        if let Ok(path) = std::env::var("ERP_PRINT_SAMPLE") {
            let _ = std::fs::write(path, &bytes);
        }
    }
}
