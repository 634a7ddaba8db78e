//! A report as a table — title, heading lines, columns, rows, totals — and
//! its two files: CSV (UTF-8 with BOM, plain numbers a spreadsheet reads)
//! and PDF (header repeated on every page, amounts right-aligned, page
//! numbers; landscape when the columns need it). The caller names the
//! columns in the reader's language; the domain knows no UI language.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Result;
use crate::pdf::{self, MARGIN, Pdf, Weight};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Money(Decimal),
    Date(NaiveDate),
    Count(i64),
    Empty,
}

impl Cell {
    /// As a page or a PDF shows it: "1,234.56", "22/11/2026".
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Money(m) => crate::values::format_lempiras(*m)
                .trim_start_matches("L ")
                .replace("-L ", "-"),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::Count(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }

    /// As a spreadsheet reads it: "1234.56", "2026-11-22".
    pub fn raw(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Money(m) => format!("{:.2}", m),
            Cell::Date(d) => d.to_string(),
            Cell::Count(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }

    pub fn numeric(&self) -> bool {
        matches!(self, Cell::Money(_) | Cell::Count(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    /// Right-aligned (amounts, counts).
    pub numeric: bool,
}

impl Column {
    pub fn text(label: impl Into<String>) -> Column {
        Column {
            label: label.into(),
            numeric: false,
        }
    }
    pub fn number(label: impl Into<String>) -> Column {
        Column {
            label: label.into(),
            numeric: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportTable {
    pub title: String,
    /// Company, period, filters: one line each under the title.
    pub heading: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
    /// "Página {n} de {total}" in the reader's language ({n}, {total} replaced).
    pub page_label: String,
}

impl ReportTable {
    /// UTF-8 with a BOM (Excel opens it as UTF-8), comma-separated.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut out = Vec::from("\u{feff}".as_bytes());
        {
            let mut w = csv::Writer::from_writer(&mut out);
            let row_err = |e: csv::Error| crate::Error::internal(e);
            w.write_record(self.columns.iter().map(|c| c.label.as_str()))
                .map_err(row_err)?;
            for row in self.rows.iter().chain(self.totals.iter()) {
                w.write_record(row.iter().map(Cell::raw)).map_err(row_err)?;
            }
            w.flush().map_err(crate::Error::internal)?;
        }
        Ok(out)
    }

    pub fn pdf(&self) -> Result<Vec<u8>> {
        const SIZE: f32 = 8.0;
        const PAD: f32 = 8.0;
        // Natural width of each column: its widest cell or label.
        let natural: Vec<f32> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let widest = self
                    .rows
                    .iter()
                    .chain(self.totals.iter())
                    .filter_map(|r| r.get(i))
                    .map(|cell| pdf::width(&cell.shown(), SIZE, Weight::Bold))
                    .fold(pdf::width(&c.label, SIZE, Weight::Bold), f32::max);
                widest + PAD
            })
            .collect();
        let total: f32 = natural.iter().sum();
        let mut p = if total > pdf::WIDTH - 2.0 * MARGIN {
            Pdf::landscape()
        } else {
            Pdf::new()
        };
        let usable = p.width() - 2.0 * MARGIN;
        // Too wide even so: the widest text column (the names) gives way
        // first, down to a third; then everything, type size included,
        // shrinks in proportion. Numbers, dates and fiscal numbers are never
        // cut.
        let mut widths = natural.clone();
        if total > usable {
            let widest_text = (0..widths.len())
                .filter(|i| !self.columns[*i].numeric)
                .max_by(|a, b| widths[*a].total_cmp(&widths[*b]));
            if let Some(i) = widest_text {
                let excess = total - usable;
                widths[i] = (widths[i] - excess).max(natural[i] / 3.0);
            }
        }
        let now: f32 = widths.iter().sum();
        let scale = (usable / now).min(1.0);
        let widths: Vec<f32> = widths.iter().map(|w| w * scale).collect();
        let size = SIZE * scale;
        let bottom = p.height() - MARGIN - 20.0;

        let mut y = MARGIN + 14.0;
        p.text(MARGIN, y, 13.0, Weight::Bold, &self.title);
        for line in &self.heading {
            y += 13.0;
            p.text(MARGIN, y, 9.0, Weight::Regular, line);
        }
        y += 20.0;
        let header = |p: &mut Pdf, y: f32| -> f32 {
            p.shade(MARGIN, y - 10.0, usable, 14.0, 225);
            let mut x = MARGIN;
            for (c, w) in self.columns.iter().zip(&widths) {
                let label = pdf::fit(&c.label, size, Weight::Bold, w - PAD / 2.0);
                if c.numeric {
                    p.text_right(x + w - PAD / 2.0, y, size, Weight::Bold, &label);
                } else {
                    p.text(x + PAD / 4.0, y, size, Weight::Bold, &label);
                }
                x += w;
            }
            y + 15.0
        };
        y = header(&mut p, y);
        let draw_row = |p: &mut Pdf, y: f32, row: &[Cell], weight: Weight| {
            let mut x = MARGIN;
            for (cell, w) in row.iter().zip(&widths) {
                let text = pdf::fit(&cell.shown(), size, weight, w - PAD / 2.0);
                if cell.numeric() {
                    p.text_right(x + w - PAD / 2.0, y, size, weight, &text);
                } else {
                    p.text(x + PAD / 4.0, y, size, weight, &text);
                }
                x += w;
            }
        };
        for row in &self.rows {
            if y > bottom {
                p.new_page();
                y = header(&mut p, MARGIN + 14.0);
            }
            draw_row(&mut p, y, row, Weight::Regular);
            y += 12.0;
        }
        if let Some(totals) = &self.totals {
            if y > bottom {
                p.new_page();
                y = header(&mut p, MARGIN + 14.0);
            }
            p.rule(MARGIN, y - 8.0, MARGIN + usable, y - 8.0, 0.8);
            draw_row(&mut p, y + 2.0, totals, Weight::Bold);
        }
        let pages = p.page_count();
        let (w, h) = (p.width(), p.height());
        for page in 0..pages {
            let label = self
                .page_label
                .replace("{n}", &(page + 1).to_string())
                .replace("{total}", &pages.to_string());
            let x = w - MARGIN - pdf::width(&label, 7.5, Weight::Regular);
            p.text_on_page(page, x, h - MARGIN / 2.0, 7.5, Weight::Regular, &label);
        }
        p.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn table(rows: usize) -> ReportTable {
        ReportTable {
            title: "Libro de ventas".into(),
            heading: vec!["Motos Catrachas — noviembre 2026".into()],
            columns: vec![
                Column::text("Fecha"),
                Column::text("Cliente"),
                Column::number("Total"),
            ],
            rows: (0..rows)
                .map(|i| {
                    vec![
                        Cell::Date(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()),
                        Cell::Text(format!("Cliente, \"{i}\"")),
                        Cell::Money(Decimal::from_str("1234.5").unwrap_or_default()),
                    ]
                })
                .collect(),
            totals: Some(vec![
                Cell::Text("Total".into()),
                Cell::Empty,
                Cell::Money(Decimal::from(rows as i64)),
            ]),
            page_label: "Página {n} de {total}".into(),
        }
    }

    #[test]
    fn csv_has_a_bom_plain_numbers_and_quoted_text() {
        let csv = String::from_utf8(table(1).csv().expect("csv")).expect("utf-8");
        assert_eq!(
            csv,
            "\u{feff}Fecha,Cliente,Total\n2026-11-22,\"Cliente, \"\"0\"\"\",1234.50\nTotal,,1.00\n"
        );
    }

    #[test]
    fn cells_show_as_documents_print_them() {
        assert_eq!(
            Cell::Money(Decimal::from_str("-1234.5").unwrap_or_default()).shown(),
            "-1,234.50"
        );
        assert_eq!(
            Cell::Date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default()).shown(),
            "02/01/2026"
        );
    }

    #[test]
    fn long_reports_run_over_pages() {
        let bytes = table(150).pdf().expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
