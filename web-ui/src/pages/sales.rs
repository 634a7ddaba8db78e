//! Sales pages: the documents list, the form of a new quote, order or
//! invoice (lines with live totals — an island — and a "Recalcular" button
//! for browsers without JavaScript), a document with the moves its state
//! allows (accept, confirm, invoice, post, credit, cancel) and its printed
//! PDF once posted.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use erp::paging::Page;
use erp::roles::{Action, Resource};
use erp::sales::documents::{Document, DocumentQuery};
use erp::sales::drafts::{DocumentInput, LineInput};
use erp::sales::moves::DeriveInput;
use erp::sales::transitions::{Kind, Status};
use erp::values::{TaxClass, format_amount, parse_amount};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, refused_form, summary};
use super::{PageRole, csrf_field, module_page};
use crate::form::{Form, FormRows};
use crate::i18n::Lang;
use crate::islands::{
    InvoiceLines, InvoiceLinesProps, LineLabels, LineRow, ProductChoice, UnitChoice,
};
use crate::request::{SignedIn, Visitor, unavailable};

/// Rows a new document's form offers (blank ones are ignored).
const FORM_ROWS: usize = 6;

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn kind_label(lang: Lang, kind: Kind) -> String {
    lang.t(&format!("sales-kind-{}", kind.as_str().replace('_', "-")))
}

fn status_label(lang: Lang, status: Status) -> String {
    lang.t(&format!("sales-status-{}", status.as_str()))
}

/// What a refusal says on the page: the message of its code when the
/// catalogue has one, the domain's own words otherwise.
fn refusal_text(lang: Lang, e: &erp::Error) -> String {
    lang.t_opt(&format!("sales-error-{}", e.code.replace('_', "-")))
        .unwrap_or_else(|| e.message.clone())
}

pub async fn list(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<DocumentQuery>,
) -> Response {
    let lang = v.lang;
    let page: Page<Document> = match erp::sales::documents::list(&erp.db, &user, q.clone()).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::Validation => return Redirect::to("/sales").into_response(),
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(&erp, &user).await;
    let can_create = role.can(Resource::Sales, Action::Create);
    let warnings = erp::fiscal::ranges::list(&erp.db, &user)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.archived_at.is_none() && (r.warning.is_some() || r.state != "active"))
        .map(|r| {
            let key = r.warning.clone().unwrap_or_else(|| format!("range-{}", r.state));
            view! { <p class="alert" role="status">{lang.t_args(&format!("fiscal-warning-{}", key.replace('_', "-")),
                &[("first", r.first.clone()), ("remaining", r.remaining.to_string()), ("deadline", date(r.deadline))])}</p> }
        })
        .collect_view();
    let tabs = [None, Some("quote"), Some("order"), Some("invoice"), Some("credit_note")]
        .into_iter()
        .map(|k| {
            let href = k.map_or("/sales".to_owned(), |k| format!("/sales?kind={k}"));
            let label = match k {
                None => lang.t("sales-all"),
                Some(k) => lang.t(&format!("sales-kind-{}-plural", k.replace('_', "-"))),
            };
            let current = q.kind.as_deref() == k;
            view! { <a href=href class:current=current aria-current=current.then_some("page")>{label}</a> }
        })
        .collect_view();
    let rows = page
        .items
        .iter()
        .map(|d| {
            let number = d.fiscal.as_ref().map(|f| f.number.clone()).unwrap_or_else(|| d.reference.clone());
            view! {
                <tr>
                    <td>{date(d.issue_date)}</td>
                    <td><a href=format!("/sales/{}", d.id)>{number}</a></td>
                    <td>{kind_label(lang, d.kind)}</td>
                    <td>{d.party_name.clone()}</td>
                    <td><span class=format!("tag status-{}", d.status.as_str())>{status_label(lang, d.status)}</span></td>
                    <td class="num">{format_amount(d.amounts.total, &d.currency)}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if page.items.is_empty() {
        view! { <p class="empty">{lang.t("sales-empty")}</p> }.into_any()
    } else {
        view! {
            <table id="documents">
                <thead><tr>
                    <th>{lang.t("sales-date")}</th><th>{lang.t("sales-number")}</th><th>{lang.t("sales-kind")}</th>
                    <th>{lang.t("sales-customer")}</th><th>{lang.t("sales-status")}</th><th class="num">{lang.t("sales-total")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let next = page.next_cursor.clone().map(|c| {
        let kind = q
            .kind
            .clone()
            .map(|k| format!("kind={k}&"))
            .unwrap_or_default();
        let number = q
            .number
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(|n| {
                let pair: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("number", n)
                    .finish();
                format!("{pair}&")
            })
            .unwrap_or_default();
        view! { <a class="pager" href=format!("/sales?{kind}{number}cursor={c}")>{lang.t("list-next")}</a> }
    });
    // Find a document by the number on the paper: fiscal number or reference.
    let by_number = view! {
        <form method="get" action="/sales" class="filters" role="search">
            {q.kind.clone().map(|k| view! { <input type="hidden" name="kind" value=k/> })}
            <input type="search" name="number" id="number-filter" value=q.number.clone().unwrap_or_default()
                placeholder=lang.t("sales-number-placeholder") aria-label=lang.t("sales-number")/>
            <button type="submit">{lang.t("search-go")}</button>
        </form>
    };
    let content = view! {
        <div class="page-head">
            <h1>{lang.t("sales-title")}</h1>
            {can_create.then(|| view! {
                <a class="button" href="/sales/new?kind=invoice" id="new-invoice">{lang.t("sales-new-invoice")}</a>
                <a href="/sales/new?kind=order" id="new-order">{lang.t("sales-new-order")}</a>
                <a href="/sales/new?kind=quote" id="new-quote">{lang.t("sales-new-quote")}</a>
            })}
            <a href="/fiscal-ranges" id="fiscal-ranges-link">{lang.t("fiscal-title")}</a>
        </div>
        {warnings}
        <nav class="tabs">{tabs}</nav>
        {by_number}
        {table}
        {next}
    };
    module_page(&erp, &v, &user, "nav-sales", lang.t("sales-title"), content).await
}

#[derive(Deserialize, Default, Clone)]
pub struct NewQuery {
    kind: Option<String>,
}

/// The form as posted: header fields plus the repeated line fields.
#[derive(Deserialize, Default, Clone)]
pub struct DocumentForm {
    csrf: String,
    kind: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    exchange_rate: String,
    #[serde(default)]
    notes: String,
    /// Present when "Recalcular" was pressed: show the totals, save nothing.
    recalc: Option<String>,
}

fn rows_of(rows: &crate::form::Rows) -> Vec<LineRow> {
    let col = |name: &str| rows.all(name);
    let (p, d, q, u, di, t, se) = (
        col("line_product"),
        col("line_description"),
        col("line_quantity"),
        col("line_unit_price"),
        col("line_discount"),
        col("line_tax_class"),
        col("line_serial"),
    );
    (0..q.len())
        .map(|i| LineRow {
            product: p.get(i).cloned().unwrap_or_default(),
            description: d.get(i).cloned().unwrap_or_default(),
            quantity: q.get(i).cloned().unwrap_or_default(),
            unit_price: u.get(i).cloned().unwrap_or_default(),
            discount: di.get(i).cloned().unwrap_or_default(),
            tax_class: t.get(i).cloned().unwrap_or_default(),
            serial: se.get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

/// The lines the user filled in (a row with no quantity and no description
/// is an unused row), as the domain takes them; numbers the page cannot
/// read are reported under their row.
fn line_inputs(rows: &[LineRow], issues: &mut Issues) -> Vec<LineInput> {
    rows.iter()
        .filter(|r| {
            !(r.quantity.trim().is_empty()
                && r.description.trim().is_empty()
                && r.serial.trim().is_empty()
                && r.product.is_empty())
        })
        .enumerate()
        .map(|(i, r)| {
            let mut number = |field: &str, text: &str| match text.trim() {
                "" => None,
                t => parse_amount(t).or_else(|| {
                    issues.push(FieldIssue::new(
                        &format!("/lines/{i}/{field}"),
                        "not_a_number",
                        "not a number",
                    ));
                    None
                }),
            };
            LineInput {
                product_id: r.product.parse().ok(),
                description: Some(r.description.clone()).filter(|d| !d.trim().is_empty()),
                quantity: number("quantity", &r.quantity),
                unit_price: number("unit_price", &r.unit_price),
                discount_pct: number("discount_pct", &r.discount),
                tax_class: r.tax_class.parse::<TaxClass>().ok(),
                source_line_id: None,
                serial: Some(r.serial.trim().to_owned()).filter(|s| !s.is_empty()),
            }
        })
        .collect()
}

/// (id, name) of the company's customers for a choice list (the first 200 by name).
pub(crate) async fn customers(erp: &Erp, user: &erp::SessionUser) -> Vec<(String, String)> {
    parties_of_kind(erp, user, "customer").await
}

/// (id, name) of the company's parties of `kind` (customer or supplier),
/// the first 200 by name.
pub(crate) async fn parties_of_kind(
    erp: &Erp,
    user: &erp::SessionUser,
    kind: &str,
) -> Vec<(String, String)> {
    let q = erp::parties::PartyQuery {
        kind: Some(kind.into()),
        limit: Some(200),
        ..Default::default()
    };
    erp::records::crud::list::<erp::parties::Party>(&erp.db, user, q)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|c| (c.id.to_string(), c.name))
                .collect()
        })
        .unwrap_or_default()
}

/// The active products (the first 200), with what a sales line takes from them.
pub(crate) async fn product_choices(erp: &Erp, user: &erp::SessionUser) -> Vec<ProductChoice> {
    let q = erp::catalog::products::ProductQuery {
        limit: Some(200),
        ..Default::default()
    };
    erp::records::crud::list::<erp::catalog::products::Product>(&erp.db, user, q)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|p| p.active)
                .map(|p| ProductChoice {
                    id: p.id.to_string(),
                    label: format!("{} — {}", p.sku, p.name),
                    name: p.name,
                    price: p.sale_price.to_string(),
                    tax_class: p.tax_class,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The units that can be sold now (available, the first 1,000 by VIN),
/// labelled with their product, colour, year and where they are.
async fn unit_choices(erp: &Erp, user: &erp::SessionUser) -> Vec<UnitChoice> {
    let q = erp::stock::on_hand::UnitQuery {
        status: Some("available".into()),
        ..Default::default()
    };
    erp::stock::on_hand::units(&erp.db, user, q)
        .await
        .map(|units| {
            units
                .into_iter()
                .map(|u| {
                    let mut label = vec![u.product_name];
                    label.extend(Some(u.colour).filter(|c| !c.is_empty()));
                    label.extend(u.model_year.map(|y| y.to_string()));
                    label.extend(u.location_code);
                    UnitChoice {
                        serial: u.serial,
                        product: u.product_id.to_string(),
                        label: label.join(" · "),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn rates(erp: &Erp, user: &erp::SessionUser) -> (String, String) {
    let codes = erp::accounting::taxes::list(&erp.db, user)
        .await
        .unwrap_or_default();
    let rate = |c: &str, d: &str| {
        codes
            .iter()
            .find(|t| t.tax_class == c)
            .map(|t| t.rate.normalize().to_string())
            .unwrap_or_else(|| d.to_owned())
    };
    (rate("isv15", "0.15"), rate("isv18", "0.18"))
}

fn labels(lang: Lang) -> LineLabels {
    LineLabels {
        product: lang.t("sales-line-product"),
        no_product: lang.t("sales-line-no-product"),
        description: lang.t("sales-line-description"),
        quantity: lang.t("sales-line-quantity"),
        unit_price: lang.t("sales-line-unit-price"),
        discount: lang.t("sales-line-discount"),
        tax_class: lang.t("sales-line-tax-class"),
        serial: lang.t("sales-line-serial"),
        amount: lang.t("sales-line-amount"),
        classes: TaxClass::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str().to_owned(),
                    lang.t(&format!("tax-{}", t.as_str())),
                )
            })
            .collect(),
        totals: [
            "discount",
            "exempt",
            "exonerated",
            "taxed15",
            "taxed18",
            "isv15",
            "isv18",
            "total",
        ]
        .iter()
        .map(|k| ((*k).to_owned(), lang.t(&format!("sales-amount-{k}"))))
        .collect(),
    }
}

async fn form_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &DocumentForm,
    rows: Vec<LineRow>,
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let kind: Kind = f.kind.parse().unwrap_or(Kind::Invoice);
    let title = lang.t(&format!("sales-new-{}", kind.as_str().replace('_', "-")));
    let mut rows = rows;
    while rows.len() < FORM_ROWS {
        rows.push(LineRow::default());
    }
    let (isv15, isv18) = rates(erp, user).await;
    let customer_options = std::iter::once((String::new(), lang.t("sales-choose-customer")))
        .chain(customers(erp, user).await)
        .map(|(id, name)| {
            let selected = id == f.party_id;
            view! { <option value=id selected=selected>{name}</option> }
        })
        .collect_view();
    let currency = if f.currency.is_empty() {
        "HNL".to_owned()
    } else {
        f.currency.clone()
    };
    let line_errors = issues
        .0
        .iter()
        .filter(|i| i.pointer.starts_with("/lines"))
        .map(|i| {
            let text = super::fields::issue_text(lang, i.code, &i.message);
            // `/lines` itself is about all of them (none, too many, their total).
            let row = i
                .pointer
                .split('/')
                .nth(2)
                .and_then(|n| n.parse::<usize>().ok());
            let label = row.map(|row| {
                format!(
                    "{} ",
                    lang.t_args("sales-line-error", &[("row", (row + 1).to_string())])
                )
            });
            view! { <li>{label}{text}</li> }
        })
        .collect_view();
    let header_error = |name: &str| {
        issues
            .message(lang, name)
            .map(|m| view! { <p class="field-error">{m}</p> })
    };
    let island = InvoiceLines(InvoiceLinesProps {
        rows,
        products: product_choices(erp, user).await,
        units: unit_choices(erp, user).await,
        isv15,
        isv18,
        currency: currency.clone(),
        labels: labels(lang),
    });
    let content = view! {
        <h1>{title.clone()}</h1>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {summary(lang, issues)}
        <form method="post" action="/sales" class="record document" novalidate>
            {csrf_field(&v.csrf)}
            <input type="hidden" name="kind" value=kind.as_str()/>
            <label for="f-party_id">{lang.t("sales-customer")}</label>
            <select id="f-party_id" name="party_id">{customer_options}</select>
            {header_error("party_id")}
            <label for="f-currency">{lang.t("sales-currency")}</label>
            <select id="f-currency" name="currency">
                <option value="HNL" selected=currency == "HNL">"HNL — Lempiras"</option>
                <option value="USD" selected=currency == "USD">"USD — Dólares"</option>
            </select>
            <label for="f-exchange_rate">{lang.t("sales-exchange-rate")}</label>
            <input id="f-exchange_rate" name="exchange_rate" inputmode="decimal" value=f.exchange_rate.clone()/>
            {header_error("exchange_rate")}
            {island}
            <ul class="field-error">{line_errors}</ul>
            <label for="f-notes">{lang.t("sales-notes")}</label>
            <textarea id="f-notes" name="notes">{f.notes.clone()}</textarea>
            <div class="actions">
                <button type="submit" id="save">{lang.t("sales-save-draft")}</button>
                <button type="submit" name="recalc" value="1" class="secondary js-hidden" id="recalc">{lang.t("sales-recalc")}</button>
                <a href="/sales">{lang.t("record-cancel")}</a>
            </div>
        </form>
    };
    module_page(erp, v, user, "nav-sales", title, content).await
}

pub async fn new(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<NewQuery>,
) -> Response {
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| k.parse::<Kind>().ok())
        .filter(|k| *k != Kind::CreditNote)
        .unwrap_or(Kind::Invoice);
    let f = DocumentForm {
        kind: kind.as_str().to_owned(),
        ..DocumentForm::default()
    };
    form_page(&erp, &v, &user, &f, vec![], &Issues::default(), None).await
}

pub async fn create(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<DocumentForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let typed = rows_of(&rows);
    let mut issues = Issues::default();
    let lines = line_inputs(&typed, &mut issues);
    if f.recalc.is_some() {
        // Without JavaScript: the same form again with its totals computed.
        return form_page(&erp, &v, &user, &f, typed, &issues, None).await;
    }
    let exchange_rate = match f.exchange_rate.trim() {
        "" => None,
        t => parse_amount(t).or_else(|| {
            issues.push(FieldIssue::new(
                "/exchange_rate",
                "not_a_number",
                "not a number",
            ));
            None
        }),
    };
    let input = DocumentInput {
        kind: f.kind.parse().ok(),
        party_id: f.party_id.parse().ok(),
        currency: Some(f.currency.clone()).filter(|c| !c.is_empty()),
        exchange_rate,
        notes: f.notes.clone(),
        lines,
        ..DocumentInput::default()
    };
    let mut banner = None;
    if issues.is_empty() {
        match erp::sales::drafts::create(&erp.db, &user, input).await {
            Ok(doc) => return Redirect::to(&format!("/sales/{}", doc.id)).into_response(),
            Err(e) => match e.kind {
                ErrorKind::Validation => issues
                    .0
                    .splice(0..0, e.fields.iter().cloned())
                    .for_each(drop),
                ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::NotFound => {
                    banner = Some(refusal_text(v.lang, &e))
                }
                _ => return unavailable(e),
            },
        }
    }
    refused_form(form_page(&erp, &v, &user, &f, typed, &issues, banner).await)
}

/// A move button: a small form posting the version read.
fn move_button(
    lang: Lang,
    csrf: &str,
    doc: &Document,
    mv: &str,
    primary: bool,
) -> impl IntoView + use<> {
    view! {
        <form method="post" action=format!("/sales/{}/{mv}", doc.id) class="inline">
            {csrf_field(csrf)}
            <input type="hidden" name="version" value=doc.version.to_string()/>
            <button type="submit" id=format!("do-{mv}") class:secondary=!primary>{lang.t(&format!("sales-do-{mv}"))}</button>
        </form>
    }
}

fn document_view(
    lang: Lang,
    csrf: &str,
    doc: &Document,
    role: &PageRole,
    banner: Option<String>,
) -> impl IntoView + use<> {
    let can_update = role.can(Resource::Sales, Action::Update);
    let can_create = role.can(Resource::Sales, Action::Create);
    let can_cancel = role.can(Resource::Sales, Action::Archive);
    let money = |x: rust_decimal::Decimal| format_amount(x, &doc.currency);
    let title = match &doc.fiscal {
        Some(f) => format!("{} {}", kind_label(lang, doc.kind), f.number),
        None => format!("{} {}", kind_label(lang, doc.kind), doc.reference),
    };
    let mut buttons = Vec::new();
    match (doc.kind, doc.status) {
        (Kind::Quote, Status::Draft) if can_create => {
            buttons.push(move_button(lang, csrf, doc, "accept", true).into_any())
        }
        (Kind::Order, Status::Draft) if can_update => {
            buttons.push(move_button(lang, csrf, doc, "confirm", true).into_any())
        }
        (Kind::Order, Status::Confirmed) if can_create => {
            buttons.push(move_button(lang, csrf, doc, "invoice", true).into_any())
        }
        (Kind::Invoice | Kind::CreditNote, Status::Draft) if can_update => {
            buttons.push(move_button(lang, csrf, doc, "post", true).into_any())
        }
        _ => {}
    }
    if matches!(doc.status, Status::Draft) && can_cancel {
        buttons.push(move_button(lang, csrf, doc, "cancel", false).into_any());
    }
    let credit = (doc.kind == Kind::Invoice && doc.status == Status::Posted && can_create).then(|| view! {
        <form method="post" action=format!("/sales/{}/credit", doc.id) class="inline credit">
            {csrf_field(csrf)}
            <input type="hidden" name="version" value=doc.version.to_string()/>
            <label for="f-reason">{lang.t("sales-credit-reason")}</label>
            <input id="f-reason" name="reason" required/>
            <button type="submit" id="do-credit" class="secondary">{lang.t("sales-do-credit")}</button>
        </form>
    });
    let fiscal = doc.fiscal.as_ref().map(|f| view! {
        <dl class="fiscal">
            <dt>"CAI"</dt><dd id="cai">{f.cai.clone()}</dd>
            <dt>{lang.t("sales-range")}</dt><dd>{format!("{} — {}", f.range_first, f.range_last)}</dd>
            <dt>{lang.t("sales-deadline")}</dt><dd>{date(f.deadline)}</dd>
            <dt>{lang.t("sales-buyer-rtn")}</dt><dd>{f.buyer_rtn.clone().unwrap_or_else(|| lang.t("consumidor-final"))}</dd>
        </dl>
        <p>
            <a class="button" href=format!("/sales/{}/pdf", doc.id) id="print-pdf" target="_blank">{lang.t("sales-print")}</a>
            " "<a href=format!("/sales/{}/print", doc.id) id="print-html">{lang.t("sales-print-html")}</a>
        </p>
    });
    let lines = doc
        .lines
        .iter()
        .map(|l| view! {
            <tr>
                <td>{l.description.clone()}{erp::sales::print::unit_text(l).map(|unit| view! { <br/><span class="tag unit">{unit}</span> })}</td>
                <td class="num">{l.quantity.normalize().to_string()}</td>
                <td class="num">{money(l.unit_price)}</td>
                <td class="num">{(!l.discount_pct.is_zero()).then(|| format!("{} %", l.discount_pct.normalize()))}</td>
                <td>{lang.t(&format!("tax-{}", l.tax_class))}</td>
                <td class="num">{money(l.net)}</td>
            </tr>
        })
        .collect_view();
    let a = &doc.amounts;
    let totals = [
        ("discount", a.discount), ("exempt", a.exempt), ("exonerated", a.exonerated), ("taxed15", a.taxed15),
        ("taxed18", a.taxed18), ("isv15", a.isv15), ("isv18", a.isv18), ("total", a.total),
    ]
    .into_iter()
    .map(|(k, x)| view! { <tr class:grand=k == "total"><th scope="row">{lang.t(&format!("sales-amount-{k}"))}</th><td class="num" id=format!("total-{k}")>{money(x)}</td></tr> })
    .collect_view();
    view! {
        <div class="page-head">
            <h1 id="document-title">{title}</h1>
            <span class=format!("tag status-{}", doc.status.as_str()) id="document-status">{status_label(lang, doc.status)}</span>
        </div>
        {banner.map(|b| view! { <p class="alert" role="alert" id="refusal">{b}</p> })}
        <dl class="document-head">
            <dt>{lang.t("sales-customer")}</dt><dd>{doc.party_name.clone()}</dd>
            <dt>{lang.t("sales-date")}</dt><dd>{date(doc.issue_date)}</dd>
            <dt>{lang.t("sales-due")}</dt><dd>{date(doc.due_date)}</dd>
            <dt>{lang.t("sales-currency")}</dt><dd>{doc.currency.clone()}</dd>
        </dl>
        {fiscal}
        <table class="lines" id="lines">
            <thead><tr>
                <th>{lang.t("sales-line-description")}</th><th class="num">{lang.t("sales-line-quantity")}</th>
                <th class="num">{lang.t("sales-line-unit-price")}</th><th class="num">{lang.t("sales-line-discount")}</th>
                <th>{lang.t("sales-line-tax-class")}</th><th class="num">{lang.t("sales-line-amount")}</th>
            </tr></thead>
            <tbody>{lines}</tbody>
        </table>
        <table class="totals"><tbody>{totals}</tbody></table>
        {doc.fiscal.is_some().then(|| view! { <p class="words">{erp::sales::print::total_in_words(doc)}</p> })}
        <div class="actions">{buttons}</div>
        {credit}
    }
}

pub(crate) async fn show_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    id: Uuid,
    banner: Option<String>,
) -> Response {
    let doc = match erp::sales::documents::get(&erp.db, user, id).await {
        Ok(d) => d,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v.clone()).await,
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(erp, user).await;
    let title = kind_label(v.lang, doc.kind);
    let refused = banner.is_some();
    let attachments =
        super::attachments::section(erp, v, user, erp::attachments::OwnerKind::SalesDocument, id)
            .await;
    let stock = super::stock_forms::sales_section(erp, v, user, &doc, &role).await;
    let content = view! {
        {document_view(v.lang, &v.csrf, &doc, &role, banner)}
        {stock}
        {attachments}
    };
    let page = module_page(erp, v, user, "nav-sales", title, content).await;
    if refused { refused_form(page) } else { page }
}

pub async fn show(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    show_page(&erp, &v, &user, id, None).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    csrf: String,
    version: i32,
    #[serde(default)]
    reason: String,
}

/// Perform a move and show where it leads: the same document, or the new
/// one it made (an order from a quote, an invoice from an order, a credit
/// note from an invoice). A refusal comes back on the document's page.
pub async fn act(
    State(erp): State<Erp>,
    v: Visitor,
    Path((id, mv)): Path<(Uuid, String)>,
    Form(f): Form<MoveForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let db = &erp.db;
    let result = match mv.as_str() {
        "accept" => erp::sales::moves::accept_quote(db, &user, id, f.version).await,
        "confirm" => erp::sales::moves::confirm(db, &user, id, f.version).await,
        "invoice" => erp::sales::moves::invoice_order(db, &user, id, DeriveInput::default()).await,
        "credit" => {
            erp::sales::moves::credit_invoice(
                db,
                &user,
                id,
                DeriveInput {
                    reason: f.reason.clone(),
                    ..DeriveInput::default()
                },
            )
            .await
        }
        "post" => erp::sales::posting::post(db, &user, id, f.version).await,
        "cancel" => erp::sales::moves::cancel(db, &user, id, f.version).await,
        _ => return super::not_found(v).await,
    };
    match result {
        Ok(doc) => Redirect::to(&format!("/sales/{}", doc.id)).into_response(),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Validation | ErrorKind::Conflict | ErrorKind::Forbidden
            ) =>
        {
            let text = match e.fields.first() {
                Some(field) if e.kind == ErrorKind::Validation => {
                    super::fields::issue_text(v.lang, &field.code, &field.message)
                }
                _ => refusal_text(v.lang, &e),
            };
            show_page(&erp, &v, &user, id, Some(text)).await
        }
        Err(e) if e.kind == ErrorKind::NotFound => super::not_found(v).await,
        Err(e) => unavailable(e),
    }
}

pub async fn pdf(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    printed(v, erp::sales::print::pdf(&erp.db, &user, id).await).await
}

/// A printed document opened in the browser; a document that is not
/// there, or not printable (a draft), is a page not found.
pub(crate) async fn printed(v: Visitor, p: erp::Result<erp::sales::print::Printed>) -> Response {
    match p {
        Ok(p) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}\"", p.file_name),
                ),
            ],
            p.pdf,
        )
            .into_response(),
        Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Conflict) => {
            super::not_found(v).await
        }
        Err(e) => unavailable(e),
    }
}
