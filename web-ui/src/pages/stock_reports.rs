//! The inventory as reports (page, CSV, PDF, background run): the
//! valuation at a day beside the ledger's inventory balance, stock by
//! location (available, reserved, in transit), and the gross margin of
//! every delivered unit. The valuation and stock by location consolidate
//! the companies chosen (a company column then says whose each row is).

use erp::Erp;
use erp::report_table::{Cell, Column};
use erp::stock::margins::MarginQuery;
use erp::stock::on_hand::{OnHandQuery, ValuationQuery};

use super::reports::{Built, ReportQuery, base, companies_line, company_line};
use crate::i18n::Lang;

fn col(lang: Lang, key: &str) -> String {
    lang.t(&format!("report-col-{key}"))
}

/// Whose figures a report shows: the companies chosen (the active one by
/// default), the heading line naming them, and — when there are several —
/// a first column saying whose each row is.
struct Scope {
    companies: Vec<uuid::Uuid>,
    line: String,
}

impl Scope {
    async fn of(erp: &Erp, user: &erp::SessionUser, q: &ReportQuery) -> Result<Scope, erp::Error> {
        let companies = erp::access::Access::chosen_companies(user, q.companies.as_deref())?;
        let line = companies_line(erp, user, &companies).await;
        Ok(Scope { companies, line })
    }

    fn several(&self) -> bool {
        self.companies.len() > 1
    }

    fn columns(&self, lang: Lang, rest: Vec<Column>) -> Vec<Column> {
        let mut columns = Vec::with_capacity(rest.len() + 1);
        if self.several() {
            columns.push(Column::text(col(lang, "company")));
        }
        columns.extend(rest);
        columns
    }

    fn cells(&self, company: &str, rest: Vec<Cell>) -> Vec<Cell> {
        let mut cells = Vec::with_capacity(rest.len() + 1);
        if self.several() {
            cells.push(Cell::Text(company.to_owned()));
        }
        cells.extend(rest);
        cells
    }

    /// The query as built: the companies it covered, by id.
    fn resolved(&self, q: ReportQuery) -> ReportQuery {
        let ids: Vec<String> = self.companies.iter().map(|c| c.to_string()).collect();
        ReportQuery {
            companies: Some(ids.join(",")),
            ..q
        }
    }
}

pub async fn valuation(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let scope = Scope::of(erp, user, q).await?;
    let query = ValuationQuery {
        date: q.as_of,
        companies: q.companies.clone(),
    };
    let val = erp::stock::on_hand::valuation(&erp.db, user, query).await?;
    let mut t = base(
        lang,
        lang.t("report-stock-valuation"),
        vec![
            scope.line.clone(),
            format!("{} {}", lang.t("report-as-of"), val.date.format("%d/%m/%Y")),
            format!(
                "{}: {}",
                lang.t("stock-ledger-balance"),
                Cell::Money(val.ledger_balance).shown()
            ),
        ],
        scope.columns(
            lang,
            vec![
                Column::text(col(lang, "sku")),
                Column::text(col(lang, "product")),
                Column::number(col(lang, "quantity")),
                Column::number(col(lang, "average")),
                Column::number(col(lang, "value")),
            ],
        ),
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
            scope.cells(
                &r.company_name,
                vec![
                    Cell::Text(r.sku.clone()),
                    Cell::Text(r.product_name.clone()),
                    Cell::Text(super::stock::qty(r.quantity)),
                    average,
                    Cell::Money(r.value),
                ],
            )
        })
        .collect();
    let mut totals = vec![Cell::Text(col(lang, "totals"))];
    totals.extend(std::iter::repeat_n(Cell::Empty, t.columns.len() - 2));
    totals.push(Cell::Money(val.total));
    t.totals = Some(totals);
    Ok(Built {
        stem: format!("valuacion-inventario-{}", val.date),
        resolved: scope.resolved(ReportQuery {
            as_of: Some(val.date),
            ..q.clone()
        }),
        table: t,
    })
}

pub async fn on_hand(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let scope = Scope::of(erp, user, q).await?;
    let query = OnHandQuery {
        companies: q.companies.clone(),
        ..Default::default()
    };
    let rows = erp::stock::on_hand::on_hand(&erp.db, user, query).await?;
    let mut t = base(
        lang,
        lang.t("report-stock-on-hand"),
        vec![scope.line.clone()],
        scope.columns(
            lang,
            vec![
                Column::text(col(lang, "location")),
                Column::text(col(lang, "sku")),
                Column::text(col(lang, "product")),
                Column::number(col(lang, "quantity")),
                Column::number(col(lang, "reserved")),
                Column::number(col(lang, "available")),
            ],
        ),
    );
    t.rows = rows
        .iter()
        .map(|r| {
            let place = if r.location_kind == "transit" {
                format!("{} ({})", r.location_code, lang.t("unit-status-in-transit"))
            } else {
                r.location_code.clone()
            };
            scope.cells(
                &r.company_name,
                vec![
                    Cell::Text(place),
                    Cell::Text(r.sku.clone()),
                    Cell::Text(r.product_name.clone()),
                    Cell::Text(super::stock::qty(r.quantity)),
                    Cell::Text(super::stock::qty(r.reserved)),
                    Cell::Text(super::stock::qty(r.available)),
                ],
            )
        })
        .collect();
    Ok(Built {
        stem: "existencias".to_owned(),
        resolved: scope.resolved(q.clone()),
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

/// The units still held (in transit, available, reserved), oldest first:
/// where each is, what it cost and how many days since it arrived — the
/// stock age per unit. Consolidates the companies chosen.
pub async fn units(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let scope = Scope::of(erp, user, q).await?;
    let query = erp::stock::on_hand::UnitQuery {
        companies: q.companies.clone(),
        held: Some(true),
        ..Default::default()
    };
    let mut rows = erp::stock::on_hand::units(&erp.db, user, query).await?;
    rows.sort_by(|a, b| b.age_days.cmp(&a.age_days).then(a.serial.cmp(&b.serial)));
    let stock = |k: &str| lang.t(&format!("stock-col-{k}"));
    let mut t = base(
        lang,
        lang.t("report-stock-units"),
        vec![scope.line.clone()],
        scope.columns(
            lang,
            vec![
                Column::text(col(lang, "vin")),
                Column::text(col(lang, "product")),
                Column::text(stock("colour")),
                Column::text(stock("year")),
                Column::text(stock("status")),
                Column::text(col(lang, "location")),
                Column::number(col(lang, "cost")),
                Column::number(stock("age")),
            ],
        ),
    );
    t.rows = rows
        .iter()
        .map(|u| {
            scope.cells(
                &u.company_name,
                vec![
                    Cell::Text(u.serial.clone()),
                    Cell::Text(u.product_name.clone()),
                    Cell::Text(u.colour.clone()),
                    Cell::Text(u.model_year.map(|y| y.to_string()).unwrap_or_default()),
                    Cell::Text(super::stock::status_label(lang, &u.status)),
                    Cell::Text(u.location_code.clone().unwrap_or_default()),
                    Cell::Money(u.cost),
                    u.age_days.map_or(Cell::Empty, |d| Cell::Count(d.into())),
                ],
            )
        })
        .collect();
    // (the count of units stands in the label: no column of this table counts)
    let mut totals = vec![Cell::Text(format!(
        "{} ({})",
        col(lang, "totals"),
        rows.len()
    ))];
    totals.extend(std::iter::repeat_n(Cell::Empty, t.columns.len() - 3));
    totals.push(Cell::Money(rows.iter().map(|u| u.cost).sum()));
    totals.push(Cell::Empty);
    t.totals = Some(totals);
    Ok(Built {
        stem: "unidades-en-inventario".to_owned(),
        resolved: scope.resolved(q.clone()),
        table: t,
    })
}

/// One unit's history: every move with its document, and its cost after
/// each (the purchase, each share of landed costs, and what carried it).
pub async fn unit_history(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let id = q
        .unit_id
        .ok_or_else(|| erp::Error::validation("required", "/unit_id", "name the unit (unit_id)"))?;
    let u = erp::stock::on_hand::unit(&erp.db, user, id).await?;
    let stock = |k: &str| lang.t(&format!("stock-col-{k}"));
    let facts = [
        (stock("engine"), u.unit.engine_no.clone()),
        (stock("colour"), u.unit.colour.clone()),
        (
            stock("year"),
            u.unit.model_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        (
            stock("status"),
            super::stock::status_label(lang, &u.unit.status),
        ),
        (
            stock("location"),
            u.unit.location_code.clone().unwrap_or_default(),
        ),
        (stock("cost"), Cell::Money(u.unit.cost).shown()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}: {v}"))
    .collect::<Vec<_>>()
    .join(" · ");
    let mut t = base(
        lang,
        format!("{} {}", lang.t("report-unit-history"), u.unit.serial),
        vec![
            company_line(erp, user).await,
            format!("{} — {}", u.unit.sku, u.unit.product_name),
            facts,
        ],
        vec![
            Column::text(col(lang, "date")),
            Column::text(col(lang, "document")),
            Column::text(stock("kind")),
            Column::text(stock("from")),
            Column::text(stock("to")),
            Column::number(col(lang, "value")),
            Column::number(stock("cost-after")),
        ],
    );
    t.rows = u
        .history
        .iter()
        .map(|e| {
            vec![
                Cell::Date(e.doc_date),
                Cell::Text(e.number.clone()),
                Cell::Text(super::stock::kind_label(lang, &e.kind)),
                Cell::Text(e.from_code.clone()),
                Cell::Text(e.to_code.clone()),
                Cell::Money(e.value),
                Cell::Money(e.cost_after),
            ]
        })
        .collect();
    Ok(Built {
        stem: format!("historial-{}", u.unit.serial),
        resolved: q.clone(),
        table: t,
    })
}
