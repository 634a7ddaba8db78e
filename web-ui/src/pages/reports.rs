//! Reports, each as a page, a CSV file and a PDF from the same table: the
//! sales book (libro de ventas), the trial balance (one company or several
//! consolidated), aged receivables and a customer's statement. `?format=csv`
//! or `?format=pdf` on a report's address gives the file.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use erp::report_table::{Cell, Column, ReportTable};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::module_page;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

/// A report's filters (each report reads the ones it has), as the address
/// carries them and as a background run stores them.
#[derive(Deserialize, serde::Serialize, Default, Clone, Debug)]
pub struct ReportQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    pub period: Option<String>,
    pub companies: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub party_id: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The unit (vehicle) whose history a report shows.
    pub unit_id: Option<Uuid>,
}

impl ReportQuery {
    /// The same query with `format` set (the CSV and PDF links).
    fn with_format(&self, path: &str, format: &str) -> String {
        let mut pairs = vec![("format", format.to_owned())];
        let mut add = |k: &'static str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                pairs.push((k, v));
            }
        };
        add("period", self.period.clone());
        add("companies", self.companies.clone());
        add("as_of", self.as_of.map(|d| d.to_string()));
        add("party_id", self.party_id.map(|d| d.to_string()));
        add("from", self.from.map(|d| d.to_string()));
        add("to", self.to.map(|d| d.to_string()));
        add("unit_id", self.unit_id.map(|d| d.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{path}?{query}")
    }
}

fn file(name: &str, format: &str, bytes: Vec<u8>) -> Response {
    let (ctype, disposition) = match format {
        "csv" => (
            "text/csv; charset=utf-8",
            format!("attachment; filename=\"{name}.csv\""),
        ),
        _ => (
            "application/pdf",
            format!("inline; filename=\"{name}.pdf\""),
        ),
    };
    (
        [
            (header::CONTENT_TYPE, ctype.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// The report as the page, or as the file `format` asks for.
async fn deliver(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    path: &str,
    q: &ReportQuery,
    table: ReportTable,
    name: &str,
    filters: AnyView,
) -> Response {
    let lang = v.lang;
    match q.format.as_deref() {
        Some(f @ ("csv" | "pdf")) => {
            let bytes = if f == "csv" { table.csv() } else { table.pdf() };
            return match bytes {
                Ok(b) => file(name, f, b),
                Err(e) => unavailable(e),
            };
        }
        _ => {}
    }
    let head = table
        .columns
        .iter()
        .map(|c| view! { <th class:num=c.numeric>{c.label.clone()}</th> })
        .collect_view();
    let row_view = |row: &Vec<Cell>, total: bool| {
        let cells = row
            .iter()
            .map(|c| view! { <td class:num=c.numeric()>{c.shown()}</td> })
            .collect_view();
        view! { <tr class:grand=total>{cells}</tr> }
    };
    let body = table.rows.iter().map(|r| row_view(r, false)).collect_view();
    let totals = table.totals.as_ref().map(|r| row_view(r, true));
    let empty = table.rows.is_empty().then(|| {
        // What "empty" means depends on the report: a period without
        // movements, or nothing held now.
        let kind = path.rsplit('/').next().unwrap_or_default();
        let text = lang
            .t_opt(&format!("report-empty-{kind}"))
            .unwrap_or_else(|| lang.t("report-empty"));
        view! { <p class="empty">{text}</p> }
    });
    let heading = table
        .heading
        .iter()
        .map(|l| view! { <p class="report-heading">{l.clone()}</p> })
        .collect_view();
    let content = view! {
        <div class="page-head">
            <h1>{table.title.clone()}</h1>
            <a href=q.with_format(path, "csv") id="report-csv">{lang.t("report-csv")}</a>
            <a href=q.with_format(path, "pdf") id="report-pdf" target="_blank">{lang.t("report-pdf")}</a>
        </div>
        {heading}
        {filters}
        {empty}
        <table id="report" class="report"><thead><tr>{head}</tr></thead><tbody>{body}{totals}</tbody></table>
    };
    module_page(erp, v, user, "nav-reports", table.title, content).await
}

pub(crate) fn base(
    lang: Lang,
    title: String,
    heading: Vec<String>,
    columns: Vec<Column>,
) -> ReportTable {
    ReportTable {
        title,
        heading,
        columns,
        rows: vec![],
        totals: None,
        page_label: lang.t("report-page"),
    }
}

/// The companies a consolidated report may cover (those the user belongs
/// to), as checkboxes named `company`, the chosen ones ticked (the active
/// company when none is named). None for a member of one company.
async fn companies_fieldset(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    r: &ReportQuery,
) -> Option<AnyView> {
    let member_of = erp::companies::me(&erp.db, user.user_id)
        .await
        .map(|m| m.companies)
        .unwrap_or_default();
    if member_of.len() < 2 {
        return None;
    }
    let chosen =
        erp::access::Access::chosen_companies(user, r.companies.as_deref()).unwrap_or_default();
    let choices = member_of
        .into_iter()
        .map(|c| {
            let checked = chosen.contains(&c.company_id);
            view! { <label class="check"><input type="checkbox" name="company" value=c.company_id.to_string() checked=checked/>{c.company_name}</label> }
        })
        .collect_view();
    Some(
        view! { <fieldset><legend>{lang.t("report-companies")}</legend>{choices}</fieldset> }
            .into_any(),
    )
}

/// The heading line naming whose figures a report shows: the company
/// with its RTN, or the names of the companies it consolidates.
pub(crate) async fn companies_line(erp: &Erp, user: &erp::SessionUser, ids: &[Uuid]) -> String {
    if ids.len() < 2 {
        return company_line(erp, user).await;
    }
    erp::companies::me(&erp.db, user.user_id)
        .await
        .map(|m| {
            m.companies
                .into_iter()
                .filter(|c| ids.contains(&c.company_id))
                .map(|c| c.company_name)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

pub(crate) async fn company_line(erp: &Erp, user: &erp::SessionUser) -> String {
    let Ok(company) = erp::companies::settings::get(&erp.db, user).await else {
        return String::new();
    };
    format!(
        "{} — RTN {}",
        company.legal_name,
        company.rtn.unwrap_or_default()
    )
}

fn refused(v: &Visitor, e: erp::Error) -> Response {
    match e.kind {
        ErrorKind::Validation | ErrorKind::NotFound | ErrorKind::Forbidden => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            lang_text(v.lang, &e),
        )
            .into_response(),
        _ => unavailable(e),
    }
}

fn lang_text(lang: Lang, e: &erp::Error) -> String {
    lang.t_opt(&format!("report-error-{}", e.code.replace('_', "-")))
        .unwrap_or_else(|| e.message.clone())
}

pub async fn index(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let customers = super::sales::customers(&erp, &user)
        .await
        .into_iter()
        .map(|(id, name)| view! { <option value=id>{name}</option> })
        .collect_view();
    let content = view! {
        <h1>{lang.t("nav-reports")}</h1>
        <ul class="reports">
            <li><a href="/reports/sales-book" id="report-sales-book">{lang.t("report-sales-book")}</a></li>
            <li><a href="/reports/purchase-book" id="report-purchase-book">{lang.t("report-purchase-book")}</a></li>
            <li><a href="/reports/stock-valuation" id="report-stock-valuation">{lang.t("report-stock-valuation")}</a></li>
            <li><a href="/reports/stock-on-hand" id="report-stock-on-hand">{lang.t("report-stock-on-hand")}</a></li>
            <li><a href="/reports/stock-units" id="report-stock-units">{lang.t("report-stock-units")}</a></li>
            <li><a href="/reports/unit-margins" id="report-unit-margins">{lang.t("report-unit-margins")}</a></li>
            <li><a href="/reports/trial-balance" id="report-trial-balance">{lang.t("report-trial-balance")}</a></li>
            <li><a href="/reports/aged-receivables" id="report-aged">{lang.t("report-aged")}</a></li>
            <li>
                <form method="get" action="/reports/statement" class="inline">
                    <label for="f-party_id">{lang.t("report-statement")}</label>
                    <select id="f-party_id" name="party_id">{customers}</select>
                    <button type="submit">{lang.t("report-show")}</button>
                </form>
            </li>
        </ul>
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-reports",
        lang.t("nav-reports"),
        content,
    )
    .await
}

fn month_filter(lang: Lang, action: &str, period: &str) -> AnyView {
    view! {
        <form method="get" action=action.to_owned() class="filters">
            <label for="f-period">{lang.t("report-period")}</label>
            <input type="month" id="f-period" name="period" value=period.to_owned()/>
            <button type="submit">{lang.t("report-show")}</button>
        </form>
    }
    .into_any()
}

/// A report, built: its table (the page, the CSV and the PDF are drawn from
/// it), the stem of its file names, and the query with every default filled
/// in (the filters show it; a background run keeps it).
pub struct Built {
    pub table: ReportTable,
    pub stem: String,
    pub resolved: ReportQuery,
}

/// Build report `kind` for `user` in `lang`.
pub async fn build(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    kind: &str,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    match kind {
        "sales-book" => build_sales_book(erp, user, lang, q).await,
        "purchase-book" => build_purchase_book(erp, user, lang, q).await,
        "stock-valuation" => super::stock_reports::valuation(erp, user, lang, q).await,
        "stock-on-hand" => super::stock_reports::on_hand(erp, user, lang, q).await,
        "unit-margins" => super::stock_reports::margins(erp, user, lang, q).await,
        "stock-units" => super::stock_reports::units(erp, user, lang, q).await,
        "unit-history" => super::stock_reports::unit_history(erp, user, lang, q).await,
        "trial-balance" => build_trial_balance(erp, user, lang, q).await,
        "aged-receivables" => build_aged_receivables(erp, user, lang, q).await,
        "statement" => build_statement(erp, user, lang, q).await,
        _ => Err(erp::Error::not_found("report_not_found")),
    }
}

/// The filters above a report, showing what it was built with.
async fn filters(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    kind: &str,
    r: &ReportQuery,
) -> AnyView {
    match kind {
        "sales-book" => month_filter(lang, "/reports/sales-book", r.period.as_deref().unwrap_or_default()),
        "purchase-book" => {
            let period = r.period.clone().unwrap_or_default();
            view! {
                {month_filter(lang, "/reports/purchase-book", &period)}
                <p><a href=format!("/purchases/dmc.xlsx?period={period}") id="report-dmc">{lang.t("report-dmc")}</a></p>
            }
            .into_any()
        }
        "trial-balance" => {
            let period = r.period.clone().unwrap_or_default();
            let chooser = companies_fieldset(erp, user, lang, r).await;
            view! {
                <form method="get" action="/reports/trial-balance/choose" class="filters">
                    <label for="f-period">{lang.t("report-period")}</label>
                    <input type="month" id="f-period" name="period" value=period/>
                    {chooser}
                    <button type="submit">{lang.t("report-show")}</button>
                </form>
            }
            .into_any()
        }
        // (what is held now: no date, only whose)
        // (a member of one company has nothing to choose: no form)
        "stock-on-hand" | "stock-units" => match companies_fieldset(erp, user, lang, r).await {
            Some(chooser) => {
                let action = format!("/reports/{kind}/choose");
                view! {
                    <form method="get" action=action class="filters">
                        {chooser}
                        <button type="submit">{lang.t("report-show")}</button>
                    </form>
                }
                .into_any()
            }
            None => ().into_any(),
        },
        "stock-valuation" => {
            let chooser = companies_fieldset(erp, user, lang, r).await;
            view! {
                <form method="get" action="/reports/stock-valuation/choose" class="filters">
                    <label for="f-as_of">{lang.t("report-as-of")}</label>
                    <input type="date" id="f-as_of" name="as_of" value=r.as_of.map(|d| d.to_string()).unwrap_or_default()/>
                    {chooser}
                    <button type="submit">{lang.t("report-show")}</button>
                </form>
            }
            .into_any()
        }
        "unit-margins" => view! {
            <form method="get" action="/reports/unit-margins" class="filters">
                <label for="f-from">{lang.t("report-from")}</label>
                <input type="date" id="f-from" name="from" value=r.from.map(|d| d.to_string()).unwrap_or_default()/>
                <label for="f-to">{lang.t("report-to")}</label>
                <input type="date" id="f-to" name="to" value=r.to.map(|d| d.to_string()).unwrap_or_default()/>
                <button type="submit">{lang.t("report-show")}</button>
            </form>
        }
        .into_any(),
        // (one unit's whole history: nothing to filter)
        "unit-history" => ().into_any(),
        "aged-receivables" => view! {
            <form method="get" action="/reports/aged-receivables" class="filters">
                <label for="f-as_of">{lang.t("report-as-of")}</label>
                <input type="date" id="f-as_of" name="as_of" value=r.as_of.map(|d| d.to_string()).unwrap_or_default()/>
                <button type="submit">{lang.t("report-show")}</button>
            </form>
        }
        .into_any(),
        _ => view! {
            <form method="get" action="/reports/statement" class="filters">
                <input type="hidden" name="party_id" value=r.party_id.map(|p| p.to_string()).unwrap_or_default()/>
                <label for="f-from">{lang.t("report-from")}</label>
                <input type="date" id="f-from" name="from" value=r.from.map(|d| d.to_string()).unwrap_or_default()/>
                <label for="f-to">{lang.t("report-to")}</label>
                <input type="date" id="f-to" name="to" value=r.to.map(|d| d.to_string()).unwrap_or_default()/>
                <button type="submit">{lang.t("report-show")}</button>
            </form>
        }
        .into_any(),
    }
}

/// A report's page (or its file, with `?format=`).
async fn report_page(erp: Erp, v: Visitor, q: ReportQuery, kind: &str) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if kind == "statement" && q.party_id.is_none() {
        return axum::response::Redirect::to("/reports").into_response();
    }
    let built = match build(&erp, &user, v.lang, kind, &q).await {
        Ok(b) => b,
        Err(e) => return refused(&v, e),
    };
    let filters = filters(&erp, &user, v.lang, kind, &built.resolved).await;
    let background = super::report_runs::run_form(v.lang, &v.csrf, kind, &built.resolved);
    let filters = view! { {filters}{background} }.into_any();
    let path = format!("/reports/{kind}");
    deliver(
        &erp,
        &v,
        &user,
        &path,
        &q,
        built.table,
        &built.stem,
        filters,
    )
    .await
}

pub async fn sales_book(
    State(erp): State<Erp>,
    v: Visitor,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_page(erp, v, q, "sales-book").await
}

pub async fn purchase_book(
    State(erp): State<Erp>,
    v: Visitor,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_page(erp, v, q, "purchase-book").await
}

/// The inventory reports: valuation at a day, stock by location, margin
/// per delivered unit.
pub async fn stock_report(
    State(erp): State<Erp>,
    v: Visitor,
    axum::extract::Path(kind): axum::extract::Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    match kind.as_str() {
        "stock-valuation" | "stock-on-hand" | "unit-margins" | "stock-units" | "unit-history" => {
            report_page(erp, v, q, &kind).await
        }
        _ => axum::response::Redirect::to("/reports").into_response(),
    }
}

pub async fn trial_balance(
    State(erp): State<Erp>,
    v: Visitor,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_page(erp, v, q, "trial-balance").await
}

pub async fn aged_receivables(
    State(erp): State<Erp>,
    v: Visitor,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_page(erp, v, q, "aged-receivables").await
}

pub async fn statement(
    State(erp): State<Erp>,
    v: Visitor,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_page(erp, v, q, "statement").await
}

async fn build_sales_book(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let book = match erp::sales::book::sales_book(
        &erp.db,
        user,
        erp::sales::book::SalesBookQuery {
            period: q.period.clone(),
        },
    )
    .await
    {
        Ok(b) => b,
        Err(e) => return Err(e),
    };
    let l = |k: &str| lang.t(&format!("report-col-{k}"));
    let mut t = base(
        lang,
        lang.t("report-sales-book"),
        vec![
            company_line(erp, user).await,
            lang.t_args("report-period-line", &[("period", book.period.clone())]),
        ],
        vec![
            Column::text(l("date")),
            Column::text(l("number")),
            Column::text(l("customer")),
            Column::text(l("rtn")),
            Column::number(l("exempt")),
            Column::number(l("exonerated")),
            Column::number(l("taxed15")),
            Column::number(l("isv15")),
            Column::number(l("taxed18")),
            Column::number(l("isv18")),
            Column::number(l("total")),
        ],
    );
    let money_cols = |r: &erp::sales::book::BookRow| {
        vec![
            Cell::Money(r.exempt),
            Cell::Money(r.exonerated),
            Cell::Money(r.taxed15),
            Cell::Money(r.isv15),
            Cell::Money(r.taxed18),
            Cell::Money(r.isv18),
            Cell::Money(r.total),
        ]
    };
    t.rows = book
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.date.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::Text(r.fiscal_number.clone()),
                Cell::Text(r.buyer_name.clone()),
                Cell::Text(if r.buyer_rtn.is_empty() {
                    lang.t("consumidor-final")
                } else {
                    r.buyer_rtn.clone()
                }),
            ];
            row.extend(money_cols(r));
            row
        })
        .collect();
    let mut totals = vec![
        Cell::Text(l("totals")),
        Cell::Count(book.rows.len() as i64),
        Cell::Empty,
        Cell::Empty,
    ];
    totals.extend(money_cols(&book.totals));
    t.totals = Some(totals);
    Ok(Built {
        stem: format!("libro-de-ventas-{}", book.period),
        resolved: ReportQuery {
            period: Some(book.period.clone()),
            ..q.clone()
        },
        table: t,
    })
}

async fn build_purchase_book(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    use erp::purchases::book::{PurchaseBookQuery, PurchaseBookRow, purchase_book};
    let book = purchase_book(
        &erp.db,
        user,
        PurchaseBookQuery {
            period: q.period.clone(),
        },
    )
    .await?;
    let l = |k: &str| lang.t(&format!("report-col-{k}"));
    let mut t = base(
        lang,
        lang.t("report-purchase-book"),
        vec![
            company_line(erp, user).await,
            lang.t_args("report-period-line", &[("period", book.period.clone())]),
        ],
        vec![
            Column::text(l("date")),
            Column::text(l("document")),
            Column::text(l("supplier")),
            Column::text(l("rtn")),
            Column::number(l("exempt")),
            Column::number(l("exonerated")),
            Column::number(l("taxed15")),
            Column::number(l("isv15")),
            Column::number(l("taxed18")),
            Column::number(l("isv18")),
            Column::number(l("total")),
            Column::number(l("withheld")),
        ],
    );
    let money_cols = |r: &PurchaseBookRow| {
        [
            r.exempt,
            r.exonerated,
            r.taxed15,
            r.isv15,
            r.taxed18,
            r.isv18,
            r.total,
            r.withheld,
        ]
        .map(Cell::Money)
    };
    t.rows = book
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.date.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::Text(format!(
                    "{} {}",
                    lang.t(&format!("bill-class-{}", r.class.replace('_', "-"))),
                    r.number
                )),
                Cell::Text(r.supplier_name.clone()),
                Cell::Text(r.supplier_rtn.clone()),
            ];
            row.extend(money_cols(r));
            row
        })
        .collect();
    let mut totals = vec![
        Cell::Text(l("totals")),
        Cell::Count(book.rows.len() as i64),
        Cell::Empty,
        Cell::Empty,
    ];
    totals.extend(money_cols(&book.totals));
    t.totals = Some(totals);
    Ok(Built {
        stem: format!("libro-de-compras-{}", book.period),
        resolved: ReportQuery {
            period: Some(book.period.clone()),
            ..q.clone()
        },
        table: t,
    })
}

async fn build_trial_balance(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let tb = match erp::accounting::trial_balance::trial_balance(
        &erp.db,
        user,
        erp::accounting::trial_balance::TrialBalanceQuery {
            companies: q.companies.clone(),
            period: q.period.clone(),
        },
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return Err(e),
    };
    let names = companies_line(erp, user, &tb.companies).await;
    let l = |k: &str| lang.t(&format!("report-col-{k}"));
    let mut t = base(
        lang,
        lang.t("report-trial-balance"),
        vec![
            names,
            lang.t_args("report-until-line", &[("period", tb.period.clone())]),
        ],
        vec![
            Column::text(l("code")),
            Column::text(l("account")),
            Column::number(l("debit")),
            Column::number(l("credit")),
            Column::number(l("balance")),
        ],
    );
    t.rows = tb
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.code.clone()),
                Cell::Text(r.name.clone()),
                Cell::Money(r.debit),
                Cell::Money(r.credit),
                Cell::Money(r.balance),
            ]
        })
        .collect();
    t.totals = Some(vec![
        Cell::Text(l("totals")),
        Cell::Empty,
        Cell::Money(tb.total_debit),
        Cell::Money(tb.total_credit),
        Cell::Money(tb.total_debit - tb.total_credit),
    ]);
    let companies: Vec<String> = tb.companies.iter().map(|c| c.to_string()).collect();
    Ok(Built {
        stem: format!("balanza-{}", tb.period),
        resolved: ReportQuery {
            period: Some(tb.period.clone()),
            companies: Some(companies.join(",")),
            ..q.clone()
        },
        table: t,
    })
}

async fn build_aged_receivables(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let aging = match erp::receivables::aging::aged_receivables(
        &erp.db,
        user,
        erp::receivables::aging::AgingQuery { as_of: q.as_of },
    )
    .await
    {
        Ok(a) => a,
        Err(e) => return Err(e),
    };
    let l = |k: &str| lang.t(&format!("report-col-{k}"));
    let as_of = aging.as_of.format("%d/%m/%Y").to_string();
    let mut t = base(
        lang,
        lang.t("report-aged"),
        vec![
            company_line(erp, user).await,
            lang.t_args("report-as-of-line", &[("date", as_of)]),
        ],
        vec![
            Column::text(l("customer")),
            Column::number("0–30"),
            Column::number("31–60"),
            Column::number("61–90"),
            Column::number("> 90"),
            Column::number(l("total")),
        ],
    );
    let cols = |r: &erp::receivables::aging::AgingRow| {
        vec![
            Cell::Money(r.days_0_30),
            Cell::Money(r.days_31_60),
            Cell::Money(r.days_61_90),
            Cell::Money(r.over_90),
            Cell::Money(r.total),
        ]
    };
    t.rows = aging
        .rows
        .iter()
        .map(|r| {
            std::iter::once(Cell::Text(r.party_name.clone()))
                .chain(cols(r))
                .collect()
        })
        .collect();
    t.totals = Some(
        std::iter::once(Cell::Text(l("totals")))
            .chain(cols(&aging.totals))
            .collect(),
    );
    Ok(Built {
        stem: format!("antiguedad-{}", aging.as_of),
        resolved: ReportQuery {
            as_of: Some(aging.as_of),
            ..q.clone()
        },
        table: t,
    })
}

async fn build_statement(
    erp: &Erp,
    user: &erp::SessionUser,
    lang: Lang,
    q: &ReportQuery,
) -> Result<Built, erp::Error> {
    let party = q
        .party_id
        .ok_or_else(|| erp::Error::not_found("party_not_found"))?;
    let s = match erp::receivables::statement::statement(
        &erp.db,
        user,
        party,
        erp::receivables::statement::StatementQuery {
            from: q.from,
            to: q.to,
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return Err(e),
    };
    let l = |k: &str| lang.t(&format!("report-col-{k}"));
    let d = |x: NaiveDate| x.format("%d/%m/%Y").to_string();
    let mut t = base(
        lang,
        lang.t_args("report-statement-of", &[("name", s.party_name.clone())]),
        vec![
            company_line(erp, user).await,
            format!(
                "RTN: {}",
                s.party_rtn
                    .clone()
                    .unwrap_or_else(|| lang.t("consumidor-final"))
            ),
            lang.t_args(
                "report-between-line",
                &[("from", d(s.from)), ("to", d(s.to))],
            ),
        ],
        vec![
            Column::text(l("date")),
            Column::text(l("movement")),
            Column::text(l("number")),
            Column::number(l("charge")),
            Column::number(l("payment")),
            Column::number(l("balance")),
        ],
    );
    let mut rows = vec![vec![
        Cell::Date(s.from),
        Cell::Text(l("opening")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(s.opening_balance),
    ]];
    rows.extend(s.movements.iter().map(|m| {
        vec![
            Cell::Date(m.date),
            Cell::Text(lang.t(&format!("report-movement-{}", m.kind.replace('_', "-")))),
            Cell::Text(m.reference.clone()),
            if m.debit.is_zero() {
                Cell::Empty
            } else {
                Cell::Money(m.debit)
            },
            if m.credit.is_zero() {
                Cell::Empty
            } else {
                Cell::Money(m.credit)
            },
            Cell::Money(m.balance),
        ]
    }));
    t.rows = rows;
    t.totals = Some(vec![
        Cell::Date(s.to),
        Cell::Text(l("closing")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(s.closing_balance),
    ]);
    Ok(Built {
        stem: format!("estado-de-cuenta-{}", s.to),
        resolved: ReportQuery {
            from: Some(s.from),
            to: Some(s.to),
            ..q.clone()
        },
        table: t,
    })
}

/// A filter form with company checkboxes posts one `company` per box; the
/// report takes them as one comma-separated `companies` (its other
/// filters pass through).
pub async fn choose_companies(
    axum::extract::Path(kind): axum::extract::Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    if !erp::reports::KINDS.contains(&kind.as_str()) {
        return axum::response::Redirect::to("/reports").into_response();
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let companies: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "company")
        .map(|(_, v)| v.clone())
        .collect();
    let mut query: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| k != "company" && !v.is_empty())
        .collect();
    query.push(("companies".to_owned(), companies.join(",")));
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    axum::response::Redirect::to(&format!("/reports/{kind}?{query}")).into_response()
}
