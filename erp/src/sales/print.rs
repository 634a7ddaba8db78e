//! The printed invoice and credit note, as the SAR requires them: title;
//! issuer (legal and trade name, RTN, head office and branch address,
//! phone, e-mail); CAI, authorized range and deadline; the 16-digit number
//! and date; buyer and RTN or "Consumidor Final"; lines; the subtotals
//! exempt, exonerated, taxed 15 % and 18 %, the two ISV amounts and the
//! total; the total in words; "Original: Cliente / Copia: Emisor". Only
//! posted documents print: a draft has no number to show.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::documents::{self, Document, DocumentLine};
use super::transitions::Kind;
use crate::access::Access;
use crate::db::Db;
use crate::fiscal::print::{self as fiscal_print, date};
use crate::pdf::{self, MARGIN, Pdf, WIDTH, Weight};
use crate::roles::{Action, Resource};
use crate::values::{CurrencyName, amount_in_words, format_amount};
use crate::{Error, Result, SessionUser};

/// A posted document and its PDF file name ("factura-001-001-01-00000001.pdf").
pub struct Printed {
    pub file_name: String,
    pub pdf: Vec<u8>,
}

pub async fn pdf(db: &Db, user: &SessionUser, id: Uuid) -> Result<Printed> {
    let (_, mut tx) = Access::begin(db, user, Resource::Sales, Action::Read).await?;
    let doc = documents::fetch(&mut tx, id).await?;
    tx.commit().await?;
    let fiscal = doc.fiscal.as_ref().ok_or_else(|| {
        Error::conflict(
            "document_not_posted",
            "only a posted invoice or credit note is printed",
        )
    })?;
    let prefix = if doc.kind == Kind::CreditNote {
        "nota-de-credito"
    } else {
        "factura"
    };
    Ok(Printed {
        file_name: format!("{prefix}-{}.pdf", fiscal.number),
        pdf: render(&doc)?,
    })
}

/// The title a document prints under.
pub fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::CreditNote => "NOTA DE CRÉDITO",
        _ => "FACTURA",
    }
}

/// The total in words, as printed: "SON: MIL … LEMPIRAS CON 45/100".
pub fn total_in_words(doc: &Document) -> String {
    let name = CurrencyName::of(&doc.currency).unwrap_or(crate::values::LEMPIRAS);
    amount_in_words(doc.amounts.total, name)
        .map(|w| format!("SON: {}", w.to_uppercase()))
        .unwrap_or_default()
}

/// What an invoice prints under a line that sells a unit (a vehicle): the
/// VIN, then the engine number, colour and model year when known, as the
/// buyer needs them to register the vehicle.
pub fn unit_text(line: &DocumentLine) -> Option<String> {
    let vin = line.serial.as_deref()?;
    let mut parts = vec![format!("VIN: {vin}")];
    let known = |s: &Option<String>| {
        s.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
    };
    if let Some(engine) = known(&line.engine_no) {
        parts.push(format!("Motor: {engine}"));
    }
    if let Some(colour) = known(&line.colour) {
        parts.push(format!("Color: {colour}"));
    }
    if let Some(year) = line.model_year {
        parts.push(format!("Año: {year}"));
    }
    Some(parts.join(" · "))
}

/// The amount rows of the totals block, in print order.
pub fn totals_rows(doc: &Document) -> Vec<(&'static str, Decimal)> {
    let a = &doc.amounts;
    vec![
        ("Descuentos y rebajas", a.discount),
        ("Importe exento", a.exempt),
        ("Importe exonerado", a.exonerated),
        ("Importe gravado 15 %", a.taxed15),
        ("Importe gravado 18 %", a.taxed18),
        ("ISV 15 %", a.isv15),
        ("ISV 18 %", a.isv18),
    ]
}

const RIGHT: f32 = WIDTH - MARGIN;
const BOTTOM: f32 = 730.0;
// Columns of the lines table: quantity, description, unit price, discount, amount.
const COL_QTY: f32 = MARGIN + 42.0;
const COL_DESC: f32 = MARGIN + 52.0;
const COL_PRICE: f32 = 420.0;
const COL_DISC: f32 = 480.0;

fn table_header(p: &mut Pdf, y: f32) -> f32 {
    p.shade(MARGIN, y - 11.0, RIGHT - MARGIN, 16.0, 225);
    p.text_right(COL_QTY, y, 8.5, Weight::Bold, "Cant.");
    p.text(COL_DESC, y, 8.5, Weight::Bold, "Descripción");
    p.text_right(COL_PRICE, y, 8.5, Weight::Bold, "Precio unitario");
    p.text_right(COL_DISC, y, 8.5, Weight::Bold, "Desc. %");
    p.text_right(RIGHT - 4.0, y, 8.5, Weight::Bold, "Importe");
    y + 18.0
}

pub fn render(doc: &Document) -> Result<Vec<u8>> {
    layout(doc)?.finish()
}

fn layout(doc: &Document) -> Result<Pdf> {
    let fiscal = doc.fiscal.as_ref().ok_or_else(|| {
        Error::conflict(
            "document_not_posted",
            "only a posted invoice or credit note is printed",
        )
    })?;
    let money = |x: Decimal| format_amount(x, &doc.currency);
    let mut p = Pdf::new();
    let mut y = fiscal_print::head(
        &mut p,
        &fiscal_print::Head {
            issuer: &fiscal.issuer,
            title: title(doc.kind),
            number: &fiscal.number,
            issue_date: doc.issue_date,
            cai: &fiscal.cai,
            range_first: &fiscal.range_first,
            range_last: &fiscal.range_last,
            deadline: fiscal.deadline,
        },
    );

    // The buyer.
    p.text(MARGIN, y, 9.5, Weight::Bold, "Cliente:");
    p.text(
        MARGIN + 50.0,
        y,
        9.5,
        Weight::Regular,
        &pdf::fit(&fiscal.buyer_name, 9.5, Weight::Regular, 300.0),
    );
    let rtn = fiscal
        .buyer_rtn
        .clone()
        .map(|r| format!("RTN: {r}"))
        .unwrap_or_else(|| "Consumidor Final".to_owned());
    p.text_right(RIGHT, y, 9.5, Weight::Regular, &rtn);
    y += 13.0;
    p.text(
        MARGIN,
        y,
        8.5,
        Weight::Regular,
        &format!(
            "Vence: {}   Moneda: {}{}",
            date(doc.due_date),
            doc.currency,
            if doc.currency == "HNL" {
                String::new()
            } else {
                format!(
                    "   Tipo de cambio: L {} por US$ 1.00",
                    doc.exchange_rate.normalize()
                )
            }
        ),
    );
    if !doc.reason.is_empty() {
        y += 12.0;
        p.text(
            MARGIN,
            y,
            8.5,
            Weight::Regular,
            &pdf::fit(
                &format!("Motivo: {}", doc.reason),
                8.5,
                Weight::Regular,
                RIGHT - MARGIN,
            ),
        );
    }
    y += 20.0;

    // The lines, page after page.
    y = table_header(&mut p, y);
    for line in &doc.lines {
        if y > BOTTOM - 20.0 {
            p.text_right(RIGHT, BOTTOM + 20.0, 8.0, Weight::Regular, "continúa…");
            p.new_page();
            y = MARGIN + 14.0;
            p.text(
                MARGIN,
                y,
                10.0,
                Weight::Bold,
                &format!("{} No. {} (continuación)", title(doc.kind), fiscal.number),
            );
            y = table_header(&mut p, y + 20.0);
        }
        p.text_right(
            COL_QTY,
            y,
            8.5,
            Weight::Regular,
            &line.quantity.normalize().to_string(),
        );
        let desc = pdf::fit(
            &line.description,
            8.5,
            Weight::Regular,
            COL_PRICE - COL_DESC - 70.0,
        );
        p.text(COL_DESC, y, 8.5, Weight::Regular, &desc);
        p.text_right(COL_PRICE, y, 8.5, Weight::Regular, &money(line.unit_price));
        let disc = if line.discount_pct.is_zero() {
            String::new()
        } else {
            line.discount_pct.normalize().to_string()
        };
        p.text_right(COL_DISC, y, 8.5, Weight::Regular, &disc);
        let mark = match line.tax_class.as_str() {
            "exempt" => " E",
            "exonerated" => " X",
            "isv18" => " *",
            _ => "",
        };
        p.text_right(
            RIGHT - 4.0,
            y,
            8.5,
            Weight::Regular,
            &format!("{}{mark}", money(line.net)),
        );
        y += 13.0;
        if let Some(unit) = unit_text(line) {
            let unit = pdf::fit(&unit, 7.5, Weight::Regular, RIGHT - COL_DESC - 80.0);
            p.text(COL_DESC, y - 2.0, 7.5, Weight::Regular, &unit);
            y += 11.0;
        }
    }
    p.rule(MARGIN, y - 6.0, RIGHT, y - 6.0, 0.6);

    // Totals, right; the legend, left.
    if y > BOTTOM - 150.0 {
        p.new_page();
        y = MARGIN + 14.0;
    }
    let mut ty = y + 8.0;
    for (label, amount) in totals_rows(doc) {
        p.text_right(COL_DISC, ty, 8.5, Weight::Regular, label);
        p.text_right(RIGHT - 4.0, ty, 8.5, Weight::Regular, &money(amount));
        ty += 12.0;
    }
    p.shade(
        COL_DISC - 110.0,
        ty - 9.0,
        RIGHT - COL_DISC + 110.0,
        17.0,
        225,
    );
    p.text_right(COL_DISC, ty + 3.0, 10.0, Weight::Bold, "TOTAL A PAGAR");
    p.text_right(
        RIGHT - 4.0,
        ty + 3.0,
        10.0,
        Weight::Bold,
        &money(doc.amounts.total),
    );
    if doc.currency != "HNL" {
        ty += 16.0;
        let hnl = super::totals::cents(doc.amounts.total * doc.exchange_rate);
        p.text_right(
            RIGHT - 4.0,
            ty + 3.0,
            8.5,
            Weight::Regular,
            &format!("Equivale a {}", crate::values::format_lempiras(hnl)),
        );
    }
    let mut ly = y + 8.0;
    for line in pdf::wrap(
        &total_in_words(doc),
        8.5,
        Weight::Bold,
        COL_DISC - 130.0 - MARGIN,
    ) {
        p.text(MARGIN, ly, 8.5, Weight::Bold, &line);
        ly += 11.0;
    }
    ly += 4.0;
    p.text(
        MARGIN,
        ly,
        7.5,
        Weight::Regular,
        "E = exento   X = exonerado   * = gravado 18 %",
    );

    // Where the copies go, at the foot of the last page.
    p.text_center(
        WIDTH / 2.0,
        BOTTOM + 40.0,
        8.5,
        Weight::Bold,
        "Original: Cliente / Copia: Emisor",
    );
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::documents::{Amounts, Fiscal};
    use crate::sales::transitions::Status;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
    }

    /// A posted invoice with enough lines to need a second page.
    pub(crate) fn sample(lines: usize) -> Document {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        Document {
            id: Uuid::nil(),
            kind: Kind::Invoice,
            status: Status::Posted,
            reference: "FAC-00001".into(),
            party_id: Uuid::nil(),
            party_name: "Transportes Olanchanos S.A.".into(),
            emission_point_id: Uuid::nil(),
            source_id: None,
            currency: "HNL".into(),
            exchange_rate: Decimal::ONE,
            issue_date: date,
            due_date: date,
            notes: String::new(),
            reason: String::new(),
            amounts: Amounts {
                discount: d("370.00"),
                exempt: d("150.00"),
                taxed15: d("4803.00"),
                isv15: d("720.45"),
                total: d("5673.45"),
                ..Amounts::default()
            },
            lines: (0..lines)
                .map(|i| DocumentLine {
                    id: Uuid::nil(),
                    position: i as i32,
                    product_id: None,
                    description: format!("Casco integral certificado, talla {}", i + 1),
                    quantity: d("2"),
                    unit_price: d("1850.00"),
                    discount_pct: d("10"),
                    tax_class: "isv15".into(),
                    gross: d("3700.00"),
                    discount: d("370.00"),
                    net: d("3330.00"),
                    source_line_id: None,
                    serial_id: None,
                    serial: None,
                    engine_no: None,
                    colour: None,
                    model_year: None,
                })
                .collect(),
            fiscal: Some(Fiscal {
                number: "001-001-01-00000001".into(),
                cai: "A1B2C3-D4E5F6-0A1B2C-3D4E5F-6A7B8C-9D".into(),
                range_first: "001-001-01-00000001".into(),
                range_last: "001-001-01-00005000".into(),
                deadline: date,
                buyer_name: "Transportes Olanchanos S.A.".into(),
                buyer_rtn: Some("15019001234567".into()),
                issuer: serde_json::json!({
                    "legal_name": "Motos Catrachas S. de R.L.", "trade_name": "Motos Catrachas",
                    "rtn": "08019012345678", "address": "Bulevar Morazán, Tegucigalpa",
                    "phone": "2232-0000", "email": "ventas@motos.hn", "branch_code": "001",
                    "branch_name": "Casa matriz", "branch_address": "Bulevar Morazán", "point_code": "001"}),
                journal_entry_id: Uuid::nil(),
                posted_at: chrono::Utc::now(),
            }),
            version: 2,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_posted_invoice_prints_and_a_draft_does_not() {
        let doc = sample(3);
        let bytes = render(&doc).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(
            total_in_words(&doc),
            "SON: CINCO MIL SEISCIENTOS SETENTA Y TRES LEMPIRAS CON 45/100"
        );
        let mut draft = doc;
        draft.fiscal = None;
        assert_eq!(
            render(&draft).err().map(|e| e.code),
            Some("document_not_posted")
        );
    }

    #[test]
    fn a_line_that_sells_a_vehicle_prints_what_registering_it_needs() {
        let mut doc = sample(1);
        assert_eq!(unit_text(&doc.lines[0]), None);
        let line = &mut doc.lines[0];
        line.serial = Some("9C2JC4110NR000123".into());
        line.engine_no = Some(String::new());
        line.colour = Some("Rojo".into());
        line.model_year = Some(2026);
        assert_eq!(
            unit_text(line).as_deref(),
            Some("VIN: 9C2JC4110NR000123 · Color: Rojo · Año: 2026")
        );
        line.engine_no = Some("JC41E-123456".into());
        assert_eq!(
            unit_text(line).as_deref(),
            Some("VIN: 9C2JC4110NR000123 · Motor: JC41E-123456 · Color: Rojo · Año: 2026")
        );
        // Each vehicle line takes a second row: 60 of them need a third page.
        let mut many = sample(60);
        assert_eq!(layout(&many).map(|p| p.page_count()).ok(), Some(2));
        for l in &mut many.lines {
            l.serial = Some("9C2JC4110NR000123".into());
        }
        assert_eq!(layout(&many).map(|p| p.page_count()).ok(), Some(3));
    }

    /// Writes the sample to $ERP_PRINT_SAMPLE (when set) to look at it.
    #[test]
    fn many_lines_run_onto_a_second_page() {
        assert_eq!(layout(&sample(3)).map(|p| p.page_count()).ok(), Some(1));
        let long = layout(&sample(60)).expect("layout");
        assert_eq!(long.page_count(), 2);
        let bytes = long.finish().expect("pdf");
        if let Ok(path) = std::env::var("ERP_PRINT_SAMPLE") {
            let _ = std::fs::write(path, &bytes);
        }
    }
}
