//! The SAR's monthly purchase declaration (Declaración Mensual de Compras,
//! DMC) as a workbook of three sheets — local purchases, Central American
//! purchases (FYDUCA), imports by DUA — from the month's purchase book.
//! Headings are in Spanish whatever the user's language: the file is
//! for the SAR.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::book::{PurchaseBookQuery, PurchaseBookRow, purchase_book};
use crate::db::Db;
use crate::exports::ExportFile;
use crate::{Error, Result, SessionUser};

/// One sheet: its name, headings and how a row of the book fills it.
struct Sheet {
    name: &'static str,
    classes: &'static [&'static str],
    headings: &'static [&'static str],
    row: fn(&PurchaseBookRow) -> Vec<Value>,
}

enum Value {
    Text(String),
    Money(Decimal),
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn class_es(class: &str) -> &'static str {
    match class {
        "credit_note" => "Nota de crédito",
        "debit_note" => "Nota de débito",
        "fyduca" => "FYDUCA",
        "dua" => "DUA",
        "purchase_receipt" => "Boleta de compra",
        _ => "Factura",
    }
}

const SHEETS: [Sheet; 3] = [
    Sheet {
        name: "Compras locales",
        classes: &["invoice", "credit_note", "debit_note", "purchase_receipt"],
        headings: &[
            "RTN del proveedor",
            "Nombre o razón social",
            "Tipo de documento",
            "Número de documento",
            "CAI",
            "Fecha",
            "Importe exento",
            "Importe exonerado",
            "No. de resolución u OCE",
            "Importe gravado 15 %",
            "ISV 15 %",
            "Importe gravado 18 %",
            "ISV 18 %",
            "Total",
        ],
        row: |r| {
            vec![
                text(&r.supplier_rtn),
                text(&r.supplier_name),
                text(class_es(&r.class)),
                text(&r.number),
                text(&r.cai),
                text(
                    &r.date
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                ),
                Value::Money(r.exempt),
                Value::Money(r.exonerated),
                text(&r.exoneration_ref),
                Value::Money(r.taxed15),
                Value::Money(r.isv15),
                Value::Money(r.taxed18),
                Value::Money(r.isv18),
                Value::Money(r.total),
            ]
        },
    },
    Sheet {
        name: "Compras FYDUCA",
        classes: &["fyduca"],
        headings: &[
            "Proveedor",
            "Identificación tributaria",
            "Número de FYDUCA",
            "Fecha",
            "Importe exento",
            "Importe gravado 15 %",
            "ISV 15 %",
            "Importe gravado 18 %",
            "ISV 18 %",
            "Total",
        ],
        row: |r| {
            vec![
                text(&r.supplier_name),
                text(&r.supplier_rtn),
                text(&r.number),
                text(
                    &r.date
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                ),
                Value::Money(r.exempt + r.exonerated),
                Value::Money(r.taxed15),
                Value::Money(r.isv15),
                Value::Money(r.taxed18),
                Value::Money(r.isv18),
                Value::Money(r.total),
            ]
        },
    },
    Sheet {
        name: "Importaciones DUA",
        classes: &["dua"],
        headings: &[
            "Número de DUA",
            "Fecha",
            "Agente o proveedor",
            "Valor en aduana",
            "ISV de importación",
            "Total",
        ],
        row: |r| {
            vec![
                text(&r.number),
                text(
                    &r.date
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                ),
                text(&r.supplier_name),
                Value::Money(r.exempt + r.exonerated + r.taxed15 + r.taxed18),
                Value::Money(r.isv15 + r.isv18),
                Value::Money(r.total),
            ]
        },
    },
];

fn write_sheet(
    sheet: &mut Worksheet,
    spec: &Sheet,
    rows: &[&PurchaseBookRow],
) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    sheet.set_name(spec.name)?;
    for (c, h) in spec.headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, 18)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in (spec.row)(r).into_iter().enumerate() {
            let (row, col) = (i as u32 + 1, c as u16);
            match v {
                Value::Text(t) => sheet.write_string(row, col, t)?,
                Value::Money(m) => sheet.write_number_with_format(
                    row,
                    col,
                    m.to_f64().unwrap_or_default(),
                    &money,
                )?,
            };
        }
    }
    Ok(())
}

/// The month's DMC workbook (`dmc-2026-12-….xlsx`).
pub async fn dmc_xlsx(db: &Db, user: &SessionUser, q: PurchaseBookQuery) -> Result<ExportFile> {
    let book = purchase_book(db, user, q).await?;
    let xlsx_error = |e: XlsxError| Error::internal(anyhow::anyhow!("xlsx: {e}"));
    let mut workbook = Workbook::new();
    for spec in &SHEETS {
        let rows: Vec<&PurchaseBookRow> = book
            .rows
            .iter()
            .filter(|r| spec.classes.contains(&r.class.as_str()))
            .collect();
        write_sheet(workbook.add_worksheet(), spec, &rows).map_err(xlsx_error)?;
    }
    let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
    Ok(ExportFile {
        file_name: format!("dmc-{}.xlsx", book.period),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    })
}
