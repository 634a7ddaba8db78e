//! Buying as the accountant and the managers read it: purchase orders with
//! what has arrived of each line (and the way to receive the rest), the
//! supplier bills with their withholding receipt and what is still owed
//! (paid or reversed from the bill's page), and the month's withholdings
//! with their CSV.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::Erp;
use erp::purchases::bills::{BillQuery, ReverseBillInput};
use erp::purchases::orders::{OrderStatusInput, PurchaseOrderQuery};
use erp::purchases::payments::{BillAllocationInput, SupplierPaymentInput};
use erp::purchases::withholding::WithholdingsQuery;
use erp::roles::{Action, Resource};
use erp::values::{format_lempiras, parse_amount};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{issue_text, refused_form};
use super::stock::qty;
use super::{PageRole, csrf_field, module_page, tab_nav};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

/// The links between the purchase pages, the current one marked.
pub(crate) fn tabs(lang: Lang, current: &str, can_create: bool) -> impl IntoView + use<> {
    let mut links = vec![
        ("/purchases", "purchases-nav-orders"),
        ("/purchases/bills", "purchases-nav-bills"),
        ("/purchases/withholdings", "purchases-nav-withholdings"),
    ];
    if can_create {
        links.push(("/purchases/orders/new", "purchases-new-order"));
        links.push(("/purchases/bills/new", "purchases-new-bill"));
        links.push(("/purchases/purchase-receipts/new", "purchases-new-receipt"));
    }
    tab_nav(lang, "nav-purchasing", links, current)
}

/// "L 1,000.00" for lempiras, "USD 1,000.00" for dollars.
fn money(currency: &str, amount: rust_decimal::Decimal) -> String {
    if currency == "HNL" {
        format_lempiras(amount)
    } else {
        format!(
            "{currency} {}",
            format_lempiras(amount).trim_start_matches("L ")
        )
    }
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

async fn can_create(erp: &Erp, user: &erp::SessionUser) -> bool {
    PageRole::of(erp, user)
        .await
        .can(Resource::Purchases, Action::Create)
}

pub async fn orders(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let rows =
        match erp::purchases::orders::list(&erp.db, &user, PurchaseOrderQuery::default()).await {
            Ok(rows) => rows,
            Err(e) => return unavailable(e),
        };
    let body = if rows.is_empty() {
        view! { <p class="empty">{lang.t("purchases-no-orders")}</p> }.into_any()
    } else {
        let trs = rows
            .iter()
            .map(|o| {
                view! {
                    <tr>
                        <td><a href=format!("/purchases/orders/{}", o.id)>{o.number.clone()}</a></td>
                        <td>{date(o.order_date)}</td>
                        <td>{o.party_name.clone()}</td>
                        <td>{o.reference.clone()}</td>
                        <td>{lang.t(&format!("order-state-{}", o.state))}</td>
                        <td class="num">{money(&o.currency, o.total)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table id="purchase-orders">
                <thead><tr>
                    <th>{lang.t("purchases-col-number")}</th><th>{lang.t("purchases-col-order-date")}</th>
                    <th>{lang.t("purchases-col-supplier")}</th><th>{lang.t("purchases-col-reference")}</th>
                    <th>{lang.t("purchases-col-state")}</th><th class="num">{lang.t("purchases-col-total")}</th>
                </tr></thead>
                <tbody>{trs}</tbody>
            </table>
        }
        .into_any()
    };
    let content = view! {
        <div class="page-head"><h1>{lang.t("purchases-title")}</h1></div>
        {tabs(lang, "/purchases", can_create(&erp, &user).await)}
        {body}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-purchasing",
        lang.t("purchases-title"),
        content,
    )
    .await
}

pub async fn order(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let lang = v.lang;
    let o = match erp::purchases::orders::get(&erp.db, &user, id).await {
        Ok(o) => o,
        Err(e) if e.kind == erp::ErrorKind::NotFound => {
            return Redirect::to("/purchases").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(&erp, &user).await;
    let open = matches!(o.state.as_str(), "open" | "partial");
    let receive = (open && role.can(Resource::Stock, Action::Create)).then(|| view! {
        <a class="button" id="receive-order" href=format!("/inventory/receipts/new?order={}", o.id)>{lang.t("purchases-receive")}</a>
    });
    let status_form = |status: &'static str, key: &'static str| {
        view! {
            <form method="post" action=format!("/purchases/orders/{}/status", o.id) class="inline">
                {csrf_field(&v.csrf)}
                <input type="hidden" name="status" value=status/>
                <input type="hidden" name="version" value=o.version.to_string()/>
                <button type="submit" class="secondary" id=format!("order-{status}")>{lang.t(key)}</button>
            </form>
        }
    };
    let can_update = role.can(Resource::Purchases, Action::Update) && o.status == "open";
    let nothing_arrived = o.lines.iter().all(|l| l.received.is_zero());
    let bill = (!nothing_arrived && role.can(Resource::Purchases, Action::Create)).then(|| view! {
        <a class="button secondary" id="bill-from-order" href=format!("/purchases/bills/new?order={}", o.id)>{lang.t("purchases-new-bill")}</a>
    });
    let actions = view! {
        {receive}
        {bill}
        {(can_update && !nothing_arrived).then(|| status_form("closed", "purchases-close"))}
        {(can_update && nothing_arrived).then(|| status_form("cancelled", "purchases-cancel"))}
    };
    let trs = o
        .lines
        .iter()
        .map(|l| {
            view! {
                <tr>
                    <td>{format!("{} — {}", l.sku, l.product_name)}</td>
                    <td class="num">{qty(l.quantity)}</td>
                    <td class="num">{qty(l.received)}</td>
                    <td class="num">{money(&o.currency, l.unit_price)}</td>
                    <td class="num">{money(&o.currency, l.amount)}</td>
                </tr>
            }
        })
        .collect_view();
    let title = format!("{} · {}", o.number, o.party_name);
    let content = view! {
        <div class="page-head"><h1>{title.clone()}</h1><div class="actions">{actions}</div></div>
        {tabs(lang, "", can_create(&erp, &user).await)}
        <dl class="document-head">
            <dt>{lang.t("purchases-col-order-date")}</dt><dd>{date(o.order_date)}</dd>
            <dt>{lang.t("purchases-col-state")}</dt><dd id="order-state">{lang.t(&format!("order-state-{}", o.state))}</dd>
            <dt>{lang.t("purchases-col-reference")}</dt><dd>{o.reference.clone()}</dd>
            <dt>{lang.t("purchases-col-total")}</dt><dd>{money(&o.currency, o.total)}</dd>
        </dl>
        <table id="order-lines">
            <thead><tr>
                <th>{lang.t("stock-col-product")}</th><th class="num">{lang.t("purchases-col-ordered")}</th>
                <th class="num">{lang.t("purchases-col-received")}</th><th class="num">{lang.t("purchases-col-price")}</th>
                <th class="num">{lang.t("purchases-col-total")}</th>
            </tr></thead>
            <tbody>{trs}</tbody>
        </table>
    };
    module_page(&erp, &v, &user, "nav-purchasing", title, content).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    status: String,
    version: Option<i32>,
}

pub async fn order_status(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(f): Form<StatusForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = OrderStatusInput {
        status: f.status,
        version: f.version,
    };
    match erp::purchases::orders::set_status(&erp.db, &user, id, input).await {
        Ok(_) => Redirect::to(&format!("/purchases/orders/{id}")).into_response(),
        Err(e) => refused(&erp, &v, &user, e, &format!("/purchases/orders/{id}")).await,
    }
}

/// A refused action on a document's page: the reason, and the way back.
async fn refused(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    e: erp::Error,
    back: &str,
) -> Response {
    if !matches!(
        e.kind,
        erp::ErrorKind::Conflict | erp::ErrorKind::Validation | erp::ErrorKind::Forbidden
    ) {
        return unavailable(e);
    }
    let lang = v.lang;
    let reason = e
        .fields
        .first()
        .map(|f| issue_text(lang, f.code, &f.message))
        .unwrap_or_else(|| issue_text(lang, e.code, &e.message));
    let body = view! {
        <p class="alert" role="alert" id="action-refused">{reason}</p>
        <p><a href=back.to_owned()>"↩"</a></p>
    };
    refused_form(
        module_page(
            erp,
            v,
            user,
            "nav-purchasing",
            lang.t("purchases-refused"),
            body,
        )
        .await,
    )
}

pub async fn bills(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let rows = match erp::purchases::bills::list(&erp.db, &user, BillQuery::default()).await {
        Ok(rows) => rows,
        Err(e) => return unavailable(e),
    };
    let body = if rows.is_empty() {
        view! { <p class="empty">{lang.t("purchases-no-bills")}</p> }.into_any()
    } else {
        let trs = rows
            .iter()
            .map(|b| {
                view! {
                    <tr class:reversed=b.reversed_at.is_some()>
                        <td><a href=format!("/purchases/bills/{}", b.id)>{b.number.clone()}</a></td>
                        <td>{date(b.accounting_date)}</td>
                        <td>{b.supplier_name.clone()}</td>
                        <td>{lang.t(&format!("bill-class-{}", b.class.replace('_', "-")))}" "{b.supplier_number.clone()}</td>
                        <td class="num">{money(&b.currency, b.total)}</td>
                        <td class="num">{money(&b.currency, b.withheld)}</td>
                        <td class="num">{money(&b.currency, b.open_amount)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table id="supplier-bills">
                <thead><tr>
                    <th>{lang.t("purchases-col-number")}</th><th>{lang.t("purchases-col-date")}</th>
                    <th>{lang.t("purchases-col-supplier")}</th><th>{lang.t("purchases-col-document")}</th>
                    <th class="num">{lang.t("purchases-col-total")}</th><th class="num">{lang.t("purchases-col-withheld")}</th>
                    <th class="num">{lang.t("purchases-col-open")}</th>
                </tr></thead>
                <tbody>{trs}</tbody>
            </table>
        }
        .into_any()
    };
    let content = view! {
        <div class="page-head"><h1>{lang.t("purchases-nav-bills")}</h1></div>
        {tabs(lang, "/purchases/bills", can_create(&erp, &user).await)}
        {body}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-purchasing",
        lang.t("purchases-nav-bills"),
        content,
    )
    .await
}

pub async fn bill(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let lang = v.lang;
    let b = match erp::purchases::bills::get(&erp.db, &user, id).await {
        Ok(b) => b,
        Err(e) if e.kind == erp::ErrorKind::NotFound => {
            return Redirect::to("/purchases/bills").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(&erp, &user).await;
    let live = b.reversed_at.is_none();
    let pay = (live && b.open_amount > rust_decimal::Decimal::ZERO && role.can(Resource::Purchases, Action::Create))
        .then(|| view! {
            <h2>{lang.t("purchases-pay")}</h2>
            <form method="post" action=format!("/purchases/bills/{}/pay", b.id) class="record" novalidate>
                {csrf_field(&v.csrf)}
                <label for="f-method">{lang.t("field-label-method")}</label>
                <select id="f-method" name="method">
                    {erp::purchases::payments::METHODS.iter().map(|m| view! {
                        <option value=*m selected=*m == "transfer">{lang.t(&format!("supplier-payment-{m}"))}</option>
                    }).collect_view()}
                </select>
                <label for="f-amount">{lang.t("field-label-amount")}</label>
                <input id="f-amount" name="amount" inputmode="decimal" value=b.open_amount.to_string()/>
                {(b.currency != "HNL").then(|| view! {
                    <label for="f-exchange_rate">{lang.t("field-label-exchange-rate")}</label>
                    <input id="f-exchange_rate" name="exchange_rate" inputmode="decimal" value=b.exchange_rate.normalize().to_string()/>
                })}
                <label for="f-reference">{lang.t("field-label-payment-reference")}</label>
                <input id="f-reference" name="reference"/>
                <div class="actions"><button type="submit" id="pay-bill">{lang.t("purchases-pay")}</button></div>
            </form>
        });
    let reverse = (live && role.can(Resource::Purchases, Action::Archive)).then(|| view! {
        <form method="post" action=format!("/purchases/bills/{}/reverse", b.id) class="inline">
            {csrf_field(&v.csrf)}
            <input type="hidden" name="version" value=b.version.to_string()/>
            <button type="submit" class="secondary" id="reverse-bill">{lang.t("purchases-reverse")}</button>
        </form>
    });
    let c = b.currency.clone();
    let row = |key: &'static str, amount: rust_decimal::Decimal| {
        (!amount.is_zero())
            .then(|| view! { <dt>{lang.t(key)}</dt><dd class="num">{money(&c, amount)}</dd> })
    };
    let withholding = b.withholding_number.clone().map(|n| view! {
        <h2>{lang.t("purchases-withholding-receipt")}</h2>
        <dl class="document-head" id="withholding-receipt">
            <dt>{lang.t("purchases-col-number")}</dt><dd>{n}</dd>
            <dt>"CAI"</dt><dd>{b.withholding_cai.clone()}</dd>
            <dt>{lang.t("purchases-col-code")}</dt><dd>{b.withholding_code.clone()}" ("{b.withholding_rate.map(|r| format!("{} %", r.normalize()))}")"</dd>
            <dt>{lang.t("purchases-col-withheld")}</dt><dd class="num">{money(&c, b.withheld)}</dd>
        </dl>
        <p><a href=format!("/purchases/bills/{}/withholding.pdf", b.id) id="withholding-pdf" target="_blank">{lang.t("purchases-print-withholding")}</a></p>
    });
    let title = format!("{} · {}", b.number, b.supplier_name);
    let boleta = (b.class == "purchase_receipt").then(|| view! {
        <p><a href=format!("/purchases/bills/{}/boleta.pdf", b.id) id="boleta-pdf" target="_blank">{lang.t("purchases-print-receipt")}</a></p>
    });
    let paid_by = erp::purchases::payments::list(
        &erp.db,
        &user,
        erp::purchases::payments::SupplierPaymentQuery {
            bill_id: Some(b.id),
            ..Default::default()
        },
    )
    .await
    .unwrap_or_default();
    let payments = (!paid_by.is_empty()).then(|| {
        let rows = paid_by
            .iter()
            .map(|p| {
                let applied: rust_decimal::Decimal = p
                    .allocations
                    .iter()
                    .filter(|a| a.bill_id == b.id)
                    .map(|a| a.amount)
                    .sum();
                view! {
                    <tr class:reversed=p.reversed_at.is_some()>
                        <td>{p.number.clone()}</td>
                        <td>{date(p.payment_date)}</td>
                        <td>{lang.t(&format!("supplier-payment-{}", p.method))}</td>
                        <td>{p.reference.clone()}</td>
                        <td class="num">{money(&p.currency, p.amount)}</td>
                        <td class="num">{money(&b.currency, applied)}</td>
                        <td>{p.reversed_at.map(|_| lang.t("purchases-reversed"))}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h2>{lang.t("purchases-payments")}</h2>
            <table id="bill-payments">
                <thead><tr>
                    <th>{lang.t("purchases-col-number")}</th><th>{lang.t("purchases-col-date")}</th>
                    <th>{lang.t("field-label-method")}</th><th>{lang.t("field-label-payment-reference")}</th>
                    <th class="num">{lang.t("field-label-amount")}</th><th class="num">{lang.t("purchases-col-applied")}</th><th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let content = view! {
        <div class="page-head"><h1>{title.clone()}</h1><div class="actions">{reverse}</div></div>
        {tabs(lang, "", can_create(&erp, &user).await)}
        {b.reversed_at.map(|_| view! { <p class="alert">{lang.t("purchases-bill-reversed")}</p> })}
        <dl class="document-head" id="bill-head">
            <dt>{lang.t("purchases-col-document")}</dt>
            <dd>{lang.t(&format!("bill-class-{}", b.class.replace('_', "-")))}" "{b.supplier_number.clone()}</dd>
            {b.supplier_cai.clone().map(|cai| view! { <dt>"CAI"</dt><dd>{cai}</dd> })}
            <dt>"RTN"</dt><dd>{b.supplier_rtn.clone()}</dd>
            <dt>{lang.t("purchases-col-issued")}</dt><dd>{date(b.issue_date)}</dd>
            <dt>{lang.t("purchases-col-date")}</dt><dd>{date(b.accounting_date)}</dd>
            {b.purchase_order_id.map(|o| view! {
                <dt>{lang.t("purchases-col-order")}</dt>
                <dd><a href=format!("/purchases/orders/{o}") id="bill-order">{lang.t("purchases-see-order")}</a></dd>
            })}
        </dl>
        <dl class="document-head amounts" id="bill-amounts">
            {row("field-label-exempt", b.exempt)}
            {row("field-label-exonerated", b.exonerated)}
            {row("field-label-taxed15", b.taxed15)}
            {row("field-label-isv15", b.isv15)}
            {row("field-label-taxed18", b.taxed18)}
            {row("field-label-isv18", b.isv18)}
            {row("field-label-goods", b.goods)}
            {row("field-label-expense", b.expense)}
            {row("field-label-non-deductible", b.non_deductible)}
            <dt>{lang.t("purchases-col-total")}</dt><dd class="num" id="bill-total">{money(&c, b.total)}</dd>
            <dt>{lang.t("purchases-col-payable")}</dt><dd class="num">{money(&c, b.payable)}</dd>
            <dt>{lang.t("purchases-col-open")}</dt><dd class="num" id="bill-open">{money(&c, b.open_amount)}</dd>
        </dl>
        {boleta}
        {withholding}
        {payments}
        {pay}
    };
    module_page(&erp, &v, &user, "nav-purchasing", title, content).await
}

#[derive(Deserialize)]
pub struct VersionForm {
    csrf: String,
    version: Option<i32>,
}

pub async fn reverse_bill(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = ReverseBillInput { version: f.version };
    match erp::purchases::bills::reverse(&erp.db, &user, id, input).await {
        Ok(_) => Redirect::to(&format!("/purchases/bills/{id}")).into_response(),
        Err(e) => refused(&erp, &v, &user, e, &format!("/purchases/bills/{id}")).await,
    }
}

#[derive(Deserialize)]
pub struct PayForm {
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    exchange_rate: String,
    #[serde(default)]
    reference: String,
}

pub async fn pay_bill(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(f): Form<PayForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let back = format!("/purchases/bills/{id}");
    let b = match erp::purchases::bills::get(&erp.db, &user, id).await {
        Ok(b) => b,
        Err(e) => return refused(&erp, &v, &user, e, &back).await,
    };
    let amount = parse_amount(&f.amount);
    let input = SupplierPaymentInput {
        party_id: Some(b.party_id),
        method: f.method,
        currency: Some(b.currency.clone()),
        exchange_rate: parse_amount(&f.exchange_rate),
        amount,
        reference: f.reference,
        allocations: vec![BillAllocationInput {
            bill_id: Some(id),
            amount,
        }],
        ..Default::default()
    };
    match erp::purchases::payments::record(&erp.db, &user, input).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => refused(&erp, &v, &user, e, &back).await,
    }
}

#[derive(Deserialize, Default)]
pub struct PeriodParams {
    #[serde(default)]
    period: String,
}

fn period_query(p: &PeriodParams) -> WithholdingsQuery {
    WithholdingsQuery {
        period: Some(p.period.clone()).filter(|p| !p.trim().is_empty()),
    }
}

pub async fn withholdings(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(p): Query<PeriodParams>,
) -> Response {
    let lang = v.lang;
    let month = match erp::purchases::withholding::month(&erp.db, &user, period_query(&p)).await {
        Ok(m) => m,
        Err(e) if e.kind == erp::ErrorKind::Validation => {
            return Redirect::to("/purchases/withholdings").into_response();
        }
        Err(e) => return unavailable(e),
    };
    let trs = month
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{date(r.date)}</td><td>{r.withholding_number.clone()}</td>
                    <td>{r.supplier_name.clone()}</td><td>{r.supplier_rtn.clone()}</td>
                    <td>{r.supplier_number.clone()}</td><td>{r.code.clone()}</td>
                    <td class="num">{format_lempiras(r.base)}</td>
                    <td class="num">{format!("{} %", r.rate.normalize())}</td>
                    <td class="num">{format_lempiras(r.withheld)}</td>
                </tr>
            }
        })
        .collect_view();
    let content = view! {
        <div class="page-head"><h1>{lang.t("purchases-nav-withholdings")}</h1></div>
        {tabs(lang, "/purchases/withholdings", can_create(&erp, &user).await)}
        <form method="get" action="/purchases/withholdings" class="filters">
            <input type="month" name="period" value=month.period.clone() aria-label=lang.t("purchases-period")/>
            <button type="submit" class="secondary">{lang.t("stock-filter")}</button>
            <a class="button secondary" id="withholdings-csv" href=format!("/purchases/withholdings.csv?period={}", month.period)>"CSV"</a>
        </form>
        <table id="withholdings">
            <thead><tr>
                <th>{lang.t("purchases-col-date")}</th><th>{lang.t("purchases-withholding-receipt")}</th>
                <th>{lang.t("purchases-col-supplier")}</th><th>"RTN"</th><th>{lang.t("purchases-col-document")}</th>
                <th>{lang.t("purchases-col-code")}</th><th class="num">{lang.t("purchases-col-base")}</th>
                <th class="num">{lang.t("purchases-col-rate")}</th><th class="num">{lang.t("purchases-col-withheld")}</th>
            </tr></thead>
            <tbody>{trs}</tbody>
            <tfoot><tr><th colspan="8">{lang.t("stock-valuation-total")}</th><td class="num" id="withholdings-total">{format_lempiras(month.total)}</td></tr></tfoot>
        </table>
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-purchasing",
        lang.t("purchases-nav-withholdings"),
        content,
    )
    .await
}

pub async fn withholdings_csv(
    State(erp): State<Erp>,
    SignedIn(_, user): SignedIn,
    Query(p): Query<PeriodParams>,
) -> Response {
    match erp::purchases::withholding::month_csv(&erp.db, &user, period_query(&p)).await {
        Ok(f) => super::imports::file_response(f),
        Err(e) => unavailable(e),
    }
}

pub async fn dmc(
    State(erp): State<Erp>,
    SignedIn(_, user): SignedIn,
    Query(p): Query<PeriodParams>,
) -> Response {
    let q = erp::purchases::book::PurchaseBookQuery {
        period: period_query(&p).period,
    };
    match erp::purchases::dmc::dmc_xlsx(&erp.db, &user, q).await {
        Ok(f) => super::imports::file_response(f),
        Err(e) => unavailable(e),
    }
}

/// The bill's withholding receipt, printed for the supplier.
pub async fn withholding_pdf(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let printed = erp::purchases::withholding_print::pdf(&erp.db, &user, id).await;
    super::sales::printed(v, printed).await
}

/// A purchase receipt (boleta de compra), printed for seller and buyer.
pub async fn boleta_pdf(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let printed = erp::purchases::purchase_receipt_print::pdf(&erp.db, &user, id).await;
    super::sales::printed(v, printed).await
}
