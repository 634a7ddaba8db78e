//! The inventory as reports (page, CSV, PDF, background run): the
//! valuation at a day beside the ledger's inventory balance, stock by
//! location (available, reserved, in transit), and the gross margin of
//! every delivered unit.

use erp::Erp;
use erp::report_table::{Cell, Column};
use erp::stock::margins::MarginQuery;
use erp::stock::on_hand::{OnHandQuery, ValuationQuery};

use super::reports::{Built, ReportQuery, base, company_line};
use crate::i18n::Lang;

fn col(lang: Lang, key: &str) -> String {
    lang.t(&format!("report-col-{key}"))
}

pub async fn valuation(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let val =
        erp::stock::on_hand::valuation(&erp.db, user, ValuationQuery { date: q.as_of }).await?;
    let mut t = base(
        lang,
        lang.t("report-stock-valuation"),
        vec![
            company_line(erp, user).await,
            format!("{} {}", lang.t("report-as-of"), val.date.format("%d/%m/%Y")),
            format!(
                "{}: {}",
                lang.t("stock-ledger-balance"),
                Cell::Money(val.ledger_balance).shown()
            ),
        ],
        vec![
            Column::text(col(lang, "sku")),
            Column::text(col(lang, "product")),
            Column::number(col(lang, "quantity")),
            Column::number(col(lang, "average")),
            Column::number(col(lang, "value")),
        ],
    );
    t.rows = val
        .rows
        .iter()
        .map(|r| {
            let average = if r.quantity.is_zero() {
                Cell::Empty
            } else {
                Cell::Money((r.value / r.quantity).round_dp(2))
            };
            vec![
                Cell::Text(r.sku.clone()),
                Cell::Text(r.product_name.clone()),
                Cell::Text(super::stock::qty(r.quantity)),
                average,
                Cell::Money(r.value),
            ]
        })
        .collect();
    t.totals = Some(vec![
        Cell::Text(col(lang, "totals")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(val.total),
    ]);
    Ok(Built {
        stem: format!("valuacion-inventario-{}", val.date),
        resolved: ReportQuery {
            as_of: Some(val.date),
            ..q.clone()
        },
        table: t,
    })
}

pub async fn on_hand(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let rows = erp::stock::on_hand::on_hand(&erp.db, user, OnHandQuery::default()).await?;
    let mut t = base(
        lang,
        lang.t("report-stock-on-hand"),
        vec![company_line(erp, user).await],
        vec![
            Column::text(col(lang, "location")),
            Column::text(col(lang, "sku")),
            Column::text(col(lang, "product")),
            Column::number(col(lang, "quantity")),
            Column::number(col(lang, "reserved")),
            Column::number(col(lang, "available")),
        ],
    );
    t.rows = rows
        .iter()
        .map(|r| {
            let place = if r.location_kind == "transit" {
                format!("{} ({})", r.location_code, lang.t("unit-status-in-transit"))
            } else {
                r.location_code.clone()
            };
            vec![
                Cell::Text(place),
                Cell::Text(r.sku.clone()),
                Cell::Text(r.product_name.clone()),
                Cell::Text(super::stock::qty(r.quantity)),
                Cell::Text(super::stock::qty(r.reserved)),
                Cell::Text(super::stock::qty(r.available)),
            ]
        })
        .collect();
    Ok(Built {
        stem: "existencias".to_owned(),
        resolved: q.clone(),
        table: t,
    })
}

pub async fn margins(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let query = MarginQuery {
        from: q.from,
        to: q.to,
        units_only: Some(true),
        ..Default::default()
    };
    let rows = erp::stock::margins::margins(&erp.db, user, query).await?;
    let mut t = base(
        lang,
        lang.t("report-unit-margins"),
        vec![company_line(erp, user).await],
        vec![
            Column::text(col(lang, "date")),
            Column::text(col(lang, "number")),
            Column::text(col(lang, "sku")),
            Column::text(col(lang, "vin")),
            Column::number(col(lang, "revenue")),
            Column::number(col(lang, "cost")),
            Column::number(col(lang, "margin")),
        ],
    );
    t.rows = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Date(r.delivery_date),
                Cell::Text(r.invoice_number.clone().unwrap_or_default()),
                Cell::Text(r.sku.clone()),
                Cell::Text(r.serial.clone().unwrap_or_default()),
                Cell::Money(r.revenue),
                Cell::Money(r.cost),
                Cell::Money(r.margin),
            ]
        })
        .collect();
    let sum = |f: fn(&erp::stock::margins::MarginRow) -> rust_decimal::Decimal| {
        rows.iter().map(f).sum::<rust_decimal::Decimal>()
    };
    t.totals = Some(vec![
        Cell::Text(col(lang, "totals")),
        Cell::Count(rows.len() as i64),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(sum(|r| r.revenue)),
        Cell::Money(sum(|r| r.cost)),
        Cell::Money(sum(|r| r.margin)),
    ]);
    Ok(Built {
        stem: "margen-por-unidad".to_owned(),
        resolved: q.clone(),
        table: t,
    })
}
