//! Inventory as the warehouse and the dealer's managers read it: what is on
//! hand where (available, reserved), vehicles by VIN with their history and
//! own cost, the stock documents with their moves (and the reversal of
//! one), and the valuation beside the ledger's inventory balance.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::Erp;
use erp::roles::{Action, Resource};
use erp::stock::documents::{ReverseInput, StockDocumentQuery};
use erp::stock::on_hand::{OnHandQuery, UnitQuery, ValuationQuery};
use erp::values::format_lempiras;
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{PageRole, csrf_field, module_page, tab_nav};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

/// A quantity as people write it: no trailing zeros ("2", "2.5").
pub(crate) fn qty(q: Decimal) -> String {
    q.normalize().to_string()
}

/// The links between the inventory pages, the current one marked.
pub(crate) fn tabs(lang: Lang, current: &str, can_create: bool) -> impl IntoView + use<> {
    let mut links = vec![
        ("/inventory", "stock-nav-on-hand"),
        ("/inventory/units", "stock-nav-units"),
        ("/inventory/documents", "stock-nav-documents"),
        ("/inventory/valuation", "stock-nav-valuation"),
        ("/inventory/locations", "stock-nav-locations"),
    ];
    if can_create {
        links.push(("/inventory/receipts/new", "stock-new-receipt"));
        links.push(("/inventory/transfers/new", "stock-new-transfer"));
    }
    tab_nav(lang, "nav-inventory", links, current)
}

#[derive(Deserialize, Default)]
pub struct OnHandParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    location_id: String,
}

/// The company's locations that hold stock, for filters and forms.
pub(crate) async fn held_locations(erp: &Erp, user: &erp::SessionUser) -> Vec<(String, String)> {
    let q = erp::stock::locations::LocationQuery {
        limit: Some(200),
        ..Default::default()
    };
    erp::records::crud::list::<erp::stock::locations::Location>(&erp.db, user, q)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|l| matches!(l.kind.as_str(), "internal" | "transit"))
                .map(|l| (l.id.to_string(), format!("{} — {}", l.code, l.name)))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn on_hand(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(p): Query<OnHandParams>,
) -> Response {
    let lang = v.lang;
    let query = OnHandQuery {
        q: Some(p.q.clone()).filter(|q| !q.trim().is_empty()),
        location_id: p.location_id.parse().ok(),
        ..Default::default()
    };
    let rows = match erp::stock::on_hand::on_hand(&erp.db, &user, query).await {
        Ok(rows) => rows,
        Err(e) => return unavailable(e),
    };
    let can_create = PageRole::of(&erp, &user)
        .await
        .can(Resource::Stock, Action::Create);
    let places = held_locations(&erp, &user).await;
    let options = std::iter::once((String::new(), lang.t("stock-all-locations")))
        .chain(places)
        .map(|(id, label)| {
            let selected = id == p.location_id;
            view! { <option value=id selected=selected>{label}</option> }
        })
        .collect_view();
    let body = if rows.is_empty() {
        view! { <p class="empty">{lang.t("stock-empty")}</p> }.into_any()
    } else {
        let trs = rows
            .iter()
            .map(|r| {
                let place = if r.location_kind == "transit" {
                    format!("{} ({})", r.location_code, lang.t("unit-status-in-transit"))
                } else {
                    r.location_code.clone()
                };
                view! {
                    <tr>
                        <td>{place}</td>
                        <td>{format!("{} — {}", r.sku, r.product_name)}</td>
                        <td class="num">{qty(r.quantity)}</td>
                        <td class="num">{qty(r.reserved)}</td>
                        <td class="num">{qty(r.available)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table id="on-hand">
                <thead><tr>
                    <th>{lang.t("stock-col-location")}</th><th>{lang.t("stock-col-product")}</th>
                    <th class="num">{lang.t("stock-col-quantity")}</th><th class="num">{lang.t("stock-col-reserved")}</th>
                    <th class="num">{lang.t("stock-col-available")}</th>
                </tr></thead>
                <tbody>{trs}</tbody>
            </table>
        }
        .into_any()
    };
    let content = view! {
        <div class="page-head"><h1>{lang.t("stock-title")}</h1></div>
        {tabs(lang, "/inventory", can_create)}
        <form method="get" action="/inventory" class="filters">
            <input type="search" name="q" id="stock-q" value=p.q.clone() aria-label=lang.t("stock-search") placeholder=lang.t("stock-search")/>
            <select name="location_id" aria-label=lang.t("stock-col-location")>{options}</select>
            <button type="submit" class="secondary" id="stock-filter">{lang.t("stock-filter")}</button>
        </form>
        {body}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-inventory",
        lang.t("stock-title"),
        content,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct UnitParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
}

pub async fn units(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(p): Query<UnitParams>,
) -> Response {
    let lang = v.lang;
    let query = UnitQuery {
        q: Some(p.q.clone()).filter(|q| !q.trim().is_empty()),
        status: Some(p.status.clone())
            .filter(|s| erp::stock::on_hand::UNIT_STATUSES.contains(&s.as_str())),
        ..Default::default()
    };
    let rows = match erp::stock::on_hand::units(&erp.db, &user, query).await {
        Ok(rows) => rows,
        Err(e) => return unavailable(e),
    };
    let can_create = PageRole::of(&erp, &user)
        .await
        .can(Resource::Stock, Action::Create);
    let statuses = std::iter::once(String::new())
        .chain(
            erp::stock::on_hand::UNIT_STATUSES
                .iter()
                .map(|s| (*s).to_owned()),
        )
        .map(|s| {
            let label = if s.is_empty() {
                lang.t("stock-all-statuses")
            } else {
                status_label(lang, &s)
            };
            let selected = s == p.status;
            view! { <option value=s selected=selected>{label}</option> }
        })
        .collect_view();
    let trs = rows
        .iter()
        .map(|u| {
            view! {
                <tr>
                    <td><a href=format!("/inventory/units/{}", u.id)>{u.serial.clone()}</a></td>
                    <td>{format!("{} — {}", u.sku, u.product_name)}</td>
                    <td>{u.colour.clone()}</td>
                    <td>{u.model_year.map(|y| y.to_string())}</td>
                    <td><span class=format!("tag unit-{}", u.status)>{status_label(lang, &u.status)}</span></td>
                    <td>{u.location_code.clone()}</td>
                    <td class="num">{format_lempiras(u.cost)}</td>
                    <td class="num">{u.age_days.map(|d| d.to_string())}</td>
                </tr>
            }
        })
        .collect_view();
    let content = view! {
        <div class="page-head"><h1>{lang.t("stock-nav-units")}</h1></div>
        {tabs(lang, "/inventory/units", can_create)}
        <form method="get" action="/inventory/units" class="filters">
            <input type="search" name="q" value=p.q.clone() aria-label=lang.t("stock-col-serial") placeholder=lang.t("stock-col-serial")/>
            <select name="status" aria-label=lang.t("stock-col-status")>{statuses}</select>
            <button type="submit" class="secondary">{lang.t("stock-filter")}</button>
        </form>
        <table id="units">
            <thead><tr>
                <th>{lang.t("stock-col-serial")}</th><th>{lang.t("stock-col-product")}</th><th>{lang.t("stock-col-colour")}</th>
                <th>{lang.t("stock-col-year")}</th><th>{lang.t("stock-col-status")}</th><th>{lang.t("stock-col-location")}</th>
                <th class="num">{lang.t("stock-col-cost")}</th><th class="num">{lang.t("stock-col-age")}</th>
            </tr></thead>
            <tbody>{trs}</tbody>
        </table>
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-inventory",
        lang.t("stock-nav-units"),
        content,
    )
    .await
}

pub(crate) fn status_label(lang: Lang, status: &str) -> String {
    lang.t(&format!("unit-status-{}", status.replace('_', "-")))
}

pub(crate) fn kind_label(lang: Lang, kind: &str) -> String {
    lang.t(&format!("stock-kind-{}", kind.replace('_', "-")))
}

pub async fn unit(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let lang = v.lang;
    let u = match erp::stock::on_hand::unit(&erp.db, &user, id).await {
        Ok(u) => u,
        Err(e) if e.kind == erp::ErrorKind::NotFound => {
            return Redirect::to("/inventory/units").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let events = u
        .history
        .iter()
        .map(|e| {
            view! {
                <tr>
                    <td>{e.doc_date.format("%d/%m/%Y").to_string()}</td>
                    <td><a href=format!("/inventory/documents/{}", e.document_id)>{e.number.clone()}</a></td>
                    <td>{kind_label(lang, &e.kind)}</td>
                    <td>{e.from_code.clone()}</td><td>{e.to_code.clone()}</td>
                    <td class="num">{format_lempiras(e.value)}</td>
                    <td class="num">{format_lempiras(e.cost_after)}</td>
                </tr>
            }
        })
        .collect_view();
    let title = format!("{} · {}", u.unit.serial, u.unit.product_name);
    let can_create = PageRole::of(&erp, &user)
        .await
        .can(Resource::Stock, Action::Create);
    let content = view! {
        <div class="page-head">
            <h1>{title.clone()}</h1>
            <a href=format!("/reports/unit-history?unit_id={id}&format=csv") id="unit-csv">{lang.t("report-csv")}</a>
            <a href=format!("/reports/unit-history?unit_id={id}&format=pdf") id="unit-pdf" target="_blank">{lang.t("report-pdf")}</a>
        </div>
        {tabs(lang, "", can_create)}
        <dl class="document-head" id="unit-facts">
            <dt>{lang.t("stock-col-status")}</dt><dd><span class=format!("tag unit-{}", u.unit.status)>{status_label(lang, &u.unit.status)}</span></dd>
            <dt>{lang.t("stock-col-location")}</dt><dd>{u.unit.location_code.clone()}</dd>
            <dt>{lang.t("stock-col-engine")}</dt><dd>{u.unit.engine_no.clone()}</dd>
            <dt>{lang.t("stock-col-colour")}</dt><dd>{u.unit.colour.clone()}</dd>
            <dt>{lang.t("stock-col-year")}</dt><dd>{u.unit.model_year.map(|y| y.to_string())}</dd>
            <dt>{lang.t("stock-col-cost")}</dt><dd id="unit-cost">{format_lempiras(u.unit.cost)}</dd>
        </dl>
        <h2>{lang.t("stock-history")}</h2>
        <table id="unit-history">
            <thead><tr>
                <th>{lang.t("stock-col-date")}</th><th>{lang.t("stock-col-number")}</th><th>{lang.t("stock-col-kind")}</th>
                <th>{lang.t("stock-col-from")}</th><th>{lang.t("stock-col-to")}</th>
                <th class="num">{lang.t("stock-col-value")}</th><th class="num">{lang.t("stock-col-cost-after")}</th>
            </tr></thead>
            <tbody>{events}</tbody>
        </table>
    };
    module_page(&erp, &v, &user, "nav-inventory", title, content).await
}

pub async fn documents(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let query = StockDocumentQuery {
        limit: Some(100),
        ..Default::default()
    };
    let page = match erp::stock::documents::list(&erp.db, &user, query).await {
        Ok(p) => p,
        Err(e) => return unavailable(e),
    };
    let can_create = PageRole::of(&erp, &user)
        .await
        .can(Resource::Stock, Action::Create);
    let trs = page
        .items
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <td><a href=format!("/inventory/documents/{}", d.id)>{d.number.clone()}</a></td>
                    <td>{d.doc_date.format("%d/%m/%Y").to_string()}</td>
                    <td>{kind_label(lang, &d.kind)}</td>
                    <td>{d.party_name.clone()}</td>
                    <td>{d.reference.clone()}</td>
                    <td class="num">{format_lempiras(d.value)}</td>
                </tr>
            }
        })
        .collect_view();
    let content = view! {
        <div class="page-head"><h1>{lang.t("stock-nav-documents")}</h1></div>
        {tabs(lang, "/inventory/documents", can_create)}
        <table id="stock-documents">
            <thead><tr>
                <th>{lang.t("stock-col-number")}</th><th>{lang.t("stock-col-date")}</th><th>{lang.t("stock-col-kind")}</th>
                <th>{lang.t("stock-col-party")}</th><th>{lang.t("stock-col-reference")}</th><th class="num">{lang.t("stock-col-value")}</th>
            </tr></thead>
            <tbody>{trs}</tbody>
        </table>
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-inventory",
        lang.t("stock-nav-documents"),
        content,
    )
    .await
}

pub async fn document(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let lang = v.lang;
    let d = match erp::stock::documents::get(&erp.db, &user, id).await {
        Ok(d) => d,
        Err(e) if e.kind == erp::ErrorKind::NotFound => {
            return Redirect::to("/inventory/documents").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(&erp, &user).await;
    let can_create = role.can(Resource::Stock, Action::Create);
    let can_reverse = role.can(Resource::Stock, Action::Archive)
        && d.reversed_by.is_none()
        && d.reverses_id.is_none();
    let moves = d
        .moves
        .iter()
        .map(|m| {
            let serial = m
                .serial_id
                .map(|s| view! { <a href=format!("/inventory/units/{s}")>{m.serial.clone()}</a> });
            view! {
                <tr>
                    <td>{format!("{} — {}", m.sku, m.product_name)}</td>
                    <td>{serial}</td>
                    <td>{m.from_code.clone()}</td><td>{m.to_code.clone()}</td>
                    <td class="num">{qty(m.quantity)}</td>
                    <td class="num">{m.unit_cost.map(format_lempiras)}</td>
                    <td class="num">{format_lempiras(m.value)}</td>
                </tr>
            }
        })
        .collect_view();
    let links = view! {
        {d.reverses_id.map(|r| view! { <p>{lang.t("stock-reverses")}" "<a href=format!("/inventory/documents/{r}")>{lang.t("stock-original")}</a></p> })}
        {d.reversed_by.map(|r| view! { <p class="alert">{lang.t("stock-reversed-by")}" "<a href=format!("/inventory/documents/{r}")>{lang.t("stock-reversal")}</a></p> })}
        {d.journal_entry_id.map(|_| view! { <p><a href="/journal">{lang.t("stock-see-journal")}</a></p> })}
    };
    let reverse = can_reverse.then(|| view! {
        <form method="post" action=format!("/inventory/documents/{}/reverse", d.id) class="inline">
            {csrf_field(&v.csrf)}
            <button type="submit" class="secondary" id="reverse-document">{lang.t("stock-reverse")}</button>
        </form>
    });
    let land = (can_create && d.kind == "receipt" && d.reversed_by.is_none() && d.reverses_id.is_none())
        .then(|| view! {
            <a class="button secondary" id="add-landed-costs" href=format!("/inventory/landed-costs/new?receipt={}", d.id)>{lang.t("landed-title")}</a>
        });
    let title = format!("{} · {}", d.number, kind_label(lang, &d.kind));
    let content = view! {
        <div class="page-head"><h1>{title.clone()}</h1><div class="actions">{land}{reverse}</div></div>
        {tabs(lang, "", can_create)}
        <dl class="document-head">
            <dt>{lang.t("stock-col-date")}</dt><dd>{d.doc_date.format("%d/%m/%Y").to_string()}</dd>
            <dt>{lang.t("stock-col-party")}</dt><dd>{d.party_name.clone()}</dd>
            <dt>{lang.t("stock-col-reference")}</dt><dd>{d.reference.clone()}</dd>
            <dt>{lang.t("stock-col-value")}</dt><dd id="document-value">{format_lempiras(d.value)}</dd>
            {d.remission_number.clone().map(|n| view! {
                <dt>{lang.t("transfer-remission-guide-number")}</dt>
                <dd id="remission-guide">{n}" · CAI "{d.remission_cai.clone()}" · "{lang.t("sales-deadline")}" "{d.remission_deadline.map(|x| x.format("%d/%m/%Y").to_string())}
                    " · "<a href=format!("/inventory/documents/{}/guia.pdf", d.id) id="remission-pdf" target="_blank">{lang.t("transfer-print-guide")}</a></dd>
            })}
        </dl>
        {links}
        <table id="stock-moves">
            <thead><tr>
                <th>{lang.t("stock-col-product")}</th><th>{lang.t("stock-col-serial")}</th>
                <th>{lang.t("stock-col-from")}</th><th>{lang.t("stock-col-to")}</th>
                <th class="num">{lang.t("stock-col-quantity")}</th><th class="num">{lang.t("stock-col-cost")}</th>
                <th class="num">{lang.t("stock-col-value")}</th>
            </tr></thead>
            <tbody>{moves}</tbody>
        </table>
    };
    module_page(&erp, &v, &user, "nav-inventory", title, content).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn reverse(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match erp::stock::documents::reverse(&erp.db, &user, id, ReverseInput::default()).await {
        Ok(r) => Redirect::to(&format!("/inventory/documents/{}", r.id)).into_response(),
        Err(e)
            if matches!(
                e.kind,
                erp::ErrorKind::Conflict | erp::ErrorKind::Validation | erp::ErrorKind::Forbidden
            ) =>
        {
            // the goods moved on since, or it was reversed already: the
            // document page says so with the reason
            let lang = v.lang;
            let text = super::fields::issue_text(lang, e.code, &e.message);
            let body = view! {
                <p class="alert" role="alert" id="reverse-refused">{lang.t("stock-reverse-refused")}" "{text}</p>
                <p><a href=format!("/inventory/documents/{id}")>"↩"</a></p>
            };
            super::fields::refused_form(
                module_page(
                    &erp,
                    &v,
                    &user,
                    "nav-inventory",
                    lang.t("stock-reverse"),
                    body,
                )
                .await,
            )
        }
        Err(e) => unavailable(e),
    }
}

pub async fn valuation(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let val = match erp::stock::on_hand::valuation(&erp.db, &user, ValuationQuery::default()).await
    {
        Ok(val) => val,
        Err(e) => return unavailable(e),
    };
    let can_create = PageRole::of(&erp, &user)
        .await
        .can(Resource::Stock, Action::Create);
    let trs = val
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{format!("{} — {}", r.sku, r.product_name)}</td>
                    <td class="num">{qty(r.quantity)}</td>
                    <td class="num">{format_lempiras(r.value)}</td>
                </tr>
            }
        })
        .collect_view();
    let difference = val.total - val.ledger_balance;
    let content = view! {
        <div class="page-head"><h1>{lang.t("stock-nav-valuation")}</h1></div>
        {tabs(lang, "/inventory/valuation", can_create)}
        <table id="valuation">
            <thead><tr><th>{lang.t("stock-col-product")}</th><th class="num">{lang.t("stock-col-quantity")}</th><th class="num">{lang.t("stock-col-value")}</th></tr></thead>
            <tbody>{trs}</tbody>
            <tfoot>
                <tr><th>{lang.t("stock-valuation-total")}</th><td></td><td class="num" id="valuation-total">{format_lempiras(val.total)}</td></tr>
                <tr><th>{lang.t("stock-ledger-balance")}</th><td></td><td class="num" id="ledger-balance">{format_lempiras(val.ledger_balance)}</td></tr>
                <tr><th>{lang.t("stock-difference")}</th><td></td><td class="num">{format_lempiras(difference)}</td></tr>
            </tfoot>
        </table>
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-inventory",
        lang.t("stock-nav-valuation"),
        content,
    )
    .await
}

/// A transfer's remission guide, printed to travel with the goods.
pub async fn remission_pdf(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let printed = erp::stock::remission_print::pdf(&erp.db, &user, id).await;
    super::sales::printed(v, printed).await
}
