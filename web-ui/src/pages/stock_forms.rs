//! The forms that move stock, working without JavaScript: a goods receipt
//! (supplier, destination, rows of product, quantity and cost; a vehicle
//! row lists its units one per line, "VIN; motor; color; año; costo", so a
//! barcode reader that ends each VIN with Enter fills it one scan after
//! another) and a transfer (VINs one per line, or rows of product and
//! quantity). A refused form comes back with what was typed and each
//! problem beside its row.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::stock::documents::StockDocument;
use erp::stock::receipts::{ReceiptInput, ReceiptLineInput, UnitInput};
use erp::stock::transfers::{TransferInput, TransferLineInput};
use erp::values::parse_amount;
use erp::{Erp, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;

use super::fields::{Issues, issue_text, refused_form, summary};
use super::stock::{held_locations, tabs};
use super::{csrf_field, module_page};
use crate::form::FormRows;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

const ROWS: usize = 4;

#[derive(Deserialize, Default, Clone)]
pub struct HeadForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    location_id: String,
    #[serde(default)]
    from_location_id: String,
    #[serde(default)]
    to_location_id: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    serials: String,
    /// The purchase order a receipt receives against (from the order's page).
    #[serde(default)]
    purchase_order_id: String,
    /// "on" when a transfer carries a remission guide.
    #[serde(default)]
    remission_guide: Option<String>,
}

/// One typed row: product, quantity, unit cost, units (one per line).
type Row = (String, String, String, String);

pub(crate) fn options(
    choices: &[(String, String)],
    current: &str,
    none: String,
) -> impl IntoView + use<> {
    std::iter::once((String::new(), none))
        .chain(choices.iter().cloned())
        .map(|(id, label)| {
            let selected = id == current;
            view! { <option value=id selected=selected>{label}</option> }
        })
        .collect_view()
}

/// A `<select>` of the form's header with its label and error.
pub(crate) fn head_select(
    lang: Lang,
    issues: &Issues,
    name: &'static str,
    label: &'static str,
    current: &str,
    choices: &[(String, String)],
) -> impl IntoView + use<> {
    let error = issues.message(lang, name);
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    view! {
        <label for=id.clone()>{lang.t(label)}</label>
        <select id=id name=name aria-invalid=error.is_some().then_some("true")
                aria-describedby=error.is_some().then(|| err_id.clone())>
            {options(choices, current, "—".to_owned())}
        </select>
        {error.map(|e| view! { <p class="field-error" id=err_id>{e}</p> })}
    }
}

/// The problems of one input line (`/lines/{k}/…`), in the visitor's language.
fn row_errors(lang: Lang, issues: &Issues, k: Option<usize>) -> Vec<String> {
    let Some(k) = k else { return Vec::new() };
    let prefix = format!("/lines/{k}/");
    issues
        .0
        .iter()
        .filter(|x| x.pointer.starts_with(&prefix))
        .map(|x| {
            let text = issue_text(lang, x.code, &x.message);
            // "units/1/serial": the second unit listed on the row
            match x.pointer[prefix.len()..]
                .split('/')
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["units", j, ..] => match j.parse::<usize>() {
                    Ok(j) => format!("{} {}: {text}", lang.t("receipt-unit"), j + 1),
                    Err(_) => text,
                },
                _ => text,
            }
        })
        .collect()
}

/// (id, "SKU — name") of the active products, as the sales pages list them.
async fn products(erp: &Erp, user: &erp::SessionUser) -> Vec<(String, String)> {
    super::sales::product_choices(erp, user)
        .await
        .into_iter()
        .map(|p| (p.id, p.label))
        .collect()
}

/// Rows typed, and for each the index of the domain's line it became
/// (rows left empty become none).
fn typed_rows(rows: &crate::form::Rows) -> (Vec<Row>, Vec<Option<usize>>) {
    let (p, q, c, u) = (
        rows.all("product"),
        rows.all("quantity"),
        rows.all("unit_cost"),
        rows.all("units"),
    );
    let typed: Vec<Row> = (0..p.len())
        .map(|i| {
            let get = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
            (get(&p), get(&q), get(&c), get(&u))
        })
        .collect();
    let mut k = 0;
    let index = typed
        .iter()
        .map(|(p, q, c, u)| {
            if [p, q, c, u].iter().all(|s| s.trim().is_empty()) {
                None
            } else {
                k += 1;
                Some(k - 1)
            }
        })
        .collect();
    (typed, index)
}

/// What a posted form leads to: the stock document it wrote, or the form
/// again — field problems beside the fields, a moved unit, a stock taken by
/// a concurrent document or a missing right as a banner with the reason.
pub(crate) enum Posted {
    Done(Response),
    Again(Option<String>),
}

pub(crate) fn posted(lang: Lang, done: erp::Result<StockDocument>, issues: &mut Issues) -> Posted {
    match done {
        Ok(doc) => {
            Posted::Done(Redirect::to(&format!("/inventory/documents/{}", doc.id)).into_response())
        }
        Err(e) if e.kind == erp::ErrorKind::Validation => {
            issues.0.extend(e.fields.iter().cloned());
            Posted::Again(None)
        }
        Err(e) if matches!(e.kind, erp::ErrorKind::Conflict | erp::ErrorKind::Forbidden) => {
            Posted::Again(Some(issue_text(lang, e.code, &e.message)))
        }
        Err(e) => Posted::Done(unavailable(e)),
    }
}

/// A number typed in a form, or a problem at `pointer` (left for the domain
/// to call required when empty).
pub(crate) fn number(
    issues: &mut Issues,
    pointer: String,
    text: &str,
) -> Option<rust_decimal::Decimal> {
    if text.trim().is_empty() {
        return None;
    }
    parse_amount(text).or_else(|| {
        issues.push(FieldIssue::new(&pointer, "not_a_number", "not a number"));
        None
    })
}

/// "VIN; motor; color; año; costo" per line (a tab works as well, for
/// rows pasted from a spreadsheet).
fn units_of(issues: &mut Issues, at: &str, text: &str) -> Vec<UnitInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(j, line)| {
            let parts: Vec<&str> = line.split([';', '\t']).map(str::trim).collect();
            let part = |n: usize| parts.get(n).copied().unwrap_or_default();
            UnitInput {
                serial: part(0).to_owned(),
                engine_no: part(1).to_owned(),
                colour: part(2).to_owned(),
                model_year: match part(3) {
                    "" => None,
                    y => y.parse().ok().or_else(|| {
                        issues.push(FieldIssue::new(
                            &format!("{at}/units/{j}/model_year"),
                            "not_a_number",
                            "not a number",
                        ));
                        None
                    }),
                },
                unit_cost: number(issues, format!("{at}/units/{j}/unit_cost"), part(4)),
            }
        })
        .collect()
}

async fn receipt_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &HeadForm,
    (typed, index): (&[Row], &[Option<usize>]),
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let (suppliers, places, products) = (
        super::sales::parties_of_kind(erp, user, "supplier").await,
        held_locations(erp, user).await,
        products(erp, user).await,
    );
    let mut typed = typed.to_vec();
    typed.resize(ROWS.max(typed.len()), Default::default());
    let rows = typed
        .iter()
        .enumerate()
        .map(|(i, (product, quantity, cost, units))| {
            let errors = row_errors(lang, issues, index.get(i).copied().flatten());
            view! {
                <tr>
                    <td><select name="product" id=format!("receipt-product-{i}") aria-label=lang.t("stock-col-product")>
                        {options(&products, product, "—".to_owned())}
                    </select></td>
                    <td><input name="quantity" class="num" inputmode="decimal" id=format!("receipt-quantity-{i}") value=quantity.clone() aria-label=lang.t("stock-col-quantity")/></td>
                    <td><input name="unit_cost" class="num" inputmode="decimal" id=format!("receipt-cost-{i}") value=cost.clone() aria-label=lang.t("stock-col-cost")/></td>
                    <td><textarea name="units" rows="2" id=format!("receipt-units-{i}") aria-label=lang.t("receipt-units") placeholder=lang.t("receipt-units-placeholder")>{units.clone()}</textarea></td>
                    <td>{errors.into_iter().map(|e| view! { <p class="field-error">{e}</p> }).collect_view()}</td>
                </tr>
            }
        })
        .collect_view();
    let err = |name: &str| {
        issues
            .message(lang, name)
            .map(|m| view! { <p class="field-error">{m}</p> })
    };
    let content = view! {
        <div class="page-head"><h1>{lang.t("receipt-title")}</h1></div>
        {tabs(lang, "/inventory/receipts/new", true)}
        {summary(lang, issues)}
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <form method="post" action="/inventory/receipts" class="record" novalidate>
            {csrf_field(&v.csrf)}
            <input type="hidden" name="purchase_order_id" value=f.purchase_order_id.clone()/>
            {(!f.purchase_order_id.is_empty()).then(|| view! { <p class="hint" id="receipt-order">{lang.t("receipt-against-order")}" "{f.reference.clone()}</p> })}
            {err("purchase_order_id")}
            {head_select(lang, issues, "party_id", "stock-col-supplier", &f.party_id, &suppliers)}
            {head_select(lang, issues, "location_id", "receipt-into", &f.location_id, &places)}
            <label for="f-reference">{lang.t("stock-col-reference")}</label>
            <input id="f-reference" name="reference" value=f.reference.clone()/>
            {err("reference")}
            <p class="help">{lang.t("receipt-units-help")}</p>
            <table class="lines"><thead><tr>
                <th>{lang.t("stock-col-product")}</th><th class="num">{lang.t("stock-col-quantity")}</th>
                <th class="num">{lang.t("stock-col-cost")}</th><th>{lang.t("receipt-units")}</th><th></th>
            </tr></thead><tbody>{rows}</tbody></table>
            {err("lines")}
            <div class="actions"><button type="submit" id="save-receipt">{lang.t("receipt-save")}</button></div>
        </form>
    };
    module_page(
        erp,
        v,
        user,
        "nav-inventory",
        lang.t("receipt-title"),
        content,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ReceiptParams {
    /// A purchase order whose open lines the form starts with.
    #[serde(default)]
    order: String,
}

pub async fn new_receipt(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(p): Query<ReceiptParams>,
) -> Response {
    let mut head = HeadForm::default();
    let mut typed: Vec<Row> = Vec::new();
    if let Ok(id) = p.order.parse()
        && let Ok(order) = erp::purchases::orders::get(&erp.db, &user, id).await
    {
        head.party_id = order.party_id.to_string();
        head.purchase_order_id = order.id.to_string();
        head.reference = order.number.clone();
        typed = order
            .lines
            .iter()
            .filter(|l| l.received < l.quantity)
            .map(|l| {
                (
                    l.product_id.to_string(),
                    super::stock::qty(l.quantity - l.received),
                    (l.unit_price * order.exchange_rate).round_dp(2).to_string(),
                    String::new(),
                )
            })
            .collect();
    }
    let index: Vec<Option<usize>> = (0..typed.len()).map(Some).collect();
    receipt_page(
        &erp,
        &v,
        &user,
        &head,
        (&typed, &index),
        &Issues::default(),
        None,
    )
    .await
}

pub async fn create_receipt(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<HeadForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (typed, index) = typed_rows(&rows);
    let mut issues = Issues::default();
    let lines: Vec<ReceiptLineInput> = typed
        .iter()
        .zip(&index)
        .filter_map(|(row, k)| k.map(|k| (row, k)))
        .map(|((product, quantity, cost, units), k)| {
            let at = format!("/lines/{k}");
            let units = units_of(&mut issues, &at, units);
            ReceiptLineInput {
                product_id: product.parse().ok(),
                quantity: number(&mut issues, format!("{at}/quantity"), quantity),
                unit_cost: number(&mut issues, format!("{at}/unit_cost"), cost),
                units,
                purchase_line_id: None,
            }
        })
        .collect();
    let input = ReceiptInput {
        party_id: f.party_id.parse().ok(),
        purchase_order_id: f.purchase_order_id.parse().ok(),
        location_id: f.location_id.parse().ok(),
        reference: f.reference.clone(),
        lines,
        ..ReceiptInput::default()
    };
    let mut banner = None;
    if issues.is_empty() {
        match posted(
            v.lang,
            erp::stock::receipts::create(&erp.db, &user, input).await,
            &mut issues,
        ) {
            Posted::Done(page) => return page,
            Posted::Again(b) => banner = b,
        }
    }
    refused_form(receipt_page(&erp, &v, &user, &f, (&typed, &index), &issues, banner).await)
}

async fn transfer_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &HeadForm,
    typed: &[Row],
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let (places, products) = (held_locations(erp, user).await, products(erp, user).await);
    let vins = f.serials.lines().filter(|l| !l.trim().is_empty()).count();
    let mut typed = typed.to_vec();
    typed.resize(ROWS.max(typed.len()), Default::default());
    let mut k = vins;
    let rows = typed
        .iter()
        .enumerate()
        .map(|(i, (product, quantity, _, _))| {
            let this = (!product.is_empty() || !quantity.trim().is_empty()).then(|| {
                k += 1;
                k - 1
            });
            let errors = row_errors(lang, issues, this);
            view! {
                <tr>
                    <td><select name="product" id=format!("transfer-product-{i}") aria-label=lang.t("stock-col-product")>
                        {options(&products, product, "—".to_owned())}
                    </select></td>
                    <td><input name="quantity" class="num" inputmode="decimal" id=format!("transfer-quantity-{i}") value=quantity.clone() aria-label=lang.t("stock-col-quantity")/></td>
                    <td>{errors.into_iter().map(|e| view! { <p class="field-error">{e}</p> }).collect_view()}</td>
                </tr>
            }
        })
        .collect_view();
    let vin_errors = (0..vins)
        .flat_map(|j| {
            row_errors(lang, issues, Some(j))
                .into_iter()
                .map(move |e| format!("{} {}: {e}", lang.t("stock-col-serial"), j + 1))
        })
        .map(|e| view! { <p class="field-error">{e}</p> })
        .collect_view();
    let err = |name: &str| {
        issues
            .message(lang, name)
            .map(|m| view! { <p class="field-error">{m}</p> })
    };
    let content = view! {
        <div class="page-head"><h1>{lang.t("transfer-title")}</h1></div>
        {tabs(lang, "/inventory/transfers/new", true)}
        {summary(lang, issues)}
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <form method="post" action="/inventory/transfers" class="record" novalidate>
            {csrf_field(&v.csrf)}
            {head_select(lang, issues, "from_location_id", "stock-col-from", &f.from_location_id, &places)}
            {head_select(lang, issues, "to_location_id", "stock-col-to", &f.to_location_id, &places)}
            <label for="f-reference">{lang.t("stock-col-reference")}</label>
            <input id="f-reference" name="reference" value=f.reference.clone()/>
            {err("reference")}
            <label for="f-serials">{lang.t("transfer-vins")}</label>
            <textarea id="f-serials" name="serials" rows="4" placeholder=lang.t("transfer-vins-help")>{f.serials.clone()}</textarea>
            {vin_errors}
            <div class="field check">
                <input type="checkbox" id="f-remission_guide" name="remission_guide" value="on" checked=f.remission_guide.is_some()/>
                <label for="f-remission_guide">{lang.t("transfer-remission-guide")}</label>
            </div>
            <table class="lines"><thead><tr>
                <th>{lang.t("stock-col-product")}</th><th class="num">{lang.t("stock-col-quantity")}</th><th></th>
            </tr></thead><tbody>{rows}</tbody></table>
            {err("lines")}
            <div class="actions"><button type="submit" id="save-transfer">{lang.t("transfer-save")}</button></div>
        </form>
    };
    module_page(
        erp,
        v,
        user,
        "nav-inventory",
        lang.t("transfer-title"),
        content,
    )
    .await
}

pub async fn new_transfer(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    transfer_page(
        &erp,
        &v,
        &user,
        &HeadForm::default(),
        &[],
        &Issues::default(),
        None,
    )
    .await
}

pub async fn create_transfer(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<HeadForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (typed, index) = typed_rows(&rows);
    let mut issues = Issues::default();
    let vins: Vec<TransferLineInput> = f
        .serials
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|vin| TransferLineInput {
            serial: Some(vin.to_owned()),
            ..TransferLineInput::default()
        })
        .collect();
    let mut lines = vins;
    for (row, k) in typed.iter().zip(&index) {
        if k.is_none() {
            continue;
        }
        let at = format!("/lines/{}", lines.len());
        lines.push(TransferLineInput {
            product_id: row.0.parse().ok(),
            quantity: number(&mut issues, format!("{at}/quantity"), &row.1),
            serial: None,
        });
    }
    let input = TransferInput {
        from_location_id: f.from_location_id.parse().ok(),
        to_location_id: f.to_location_id.parse().ok(),
        reference: f.reference.clone(),
        lines,
        remission_guide: f.remission_guide.is_some(),
        ..TransferInput::default()
    };
    let mut banner = None;
    if issues.is_empty() {
        match posted(
            v.lang,
            erp::stock::transfers::create(&erp.db, &user, input).await,
            &mut issues,
        ) {
            Posted::Done(page) => return page,
            Posted::Again(b) => banner = b,
        }
    }
    refused_form(transfer_page(&erp, &v, &user, &f, &typed, &issues, banner).await)
}

/// Under a posted invoice, the delivery of its goods; under a posted
/// credit note, taking them back: a location and a button, for whoever
/// may move stock.
pub(crate) async fn sales_section(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    doc: &erp::sales::documents::Document,
    role: &super::PageRole,
) -> Option<impl IntoView + use<>> {
    use erp::sales::transitions::{Kind, Status};
    let (action, button, label) = match (doc.kind, doc.status) {
        (Kind::Invoice, Status::Posted) => (
            "/inventory/deliveries",
            "stock-deliver",
            "stock-deliver-from",
        ),
        (Kind::CreditNote, Status::Posted) => (
            "/inventory/returns",
            "stock-take-back",
            "stock-take-back-into",
        ),
        _ => return None,
    };
    if !role.can(erp::roles::Resource::Stock, erp::roles::Action::Create) {
        return None;
    }
    let lang = v.lang;
    let places = held_locations(erp, user).await;
    Some(view! {
        <form method="post" action=action class="inline" id="stock-action">
            {csrf_field(&v.csrf)}
            <input type="hidden" name="document_id" value=doc.id.to_string()/>
            <label for="f-stock-location">{lang.t(label)}</label>
            <select id="f-stock-location" name="location_id">{options(&places, "", "—".to_owned())}</select>
            <button type="submit" class="secondary" id="stock-submit">{lang.t(button)}</button>
        </form>
    })
}

#[derive(Deserialize)]
pub struct SalesStockForm {
    csrf: String,
    document_id: uuid::Uuid,
    #[serde(default)]
    location_id: String,
}

/// Deliver a posted invoice, or take back what a credit note credits; the
/// stock document on success, the sales document with the reason if not.
pub async fn deliver(
    State(erp): State<Erp>,
    v: Visitor,
    crate::form::Form(f): crate::form::Form<SalesStockForm>,
) -> Response {
    sales_stock(erp, v, f, true).await
}

pub async fn take_back(
    State(erp): State<Erp>,
    v: Visitor,
    crate::form::Form(f): crate::form::Form<SalesStockForm>,
) -> Response {
    sales_stock(erp, v, f, false).await
}

async fn sales_stock(erp: Erp, v: Visitor, f: SalesStockForm, deliver: bool) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let location_id = f.location_id.parse().ok();
    let done = if deliver {
        let input = erp::stock::deliveries::DeliveryInput {
            invoice_id: Some(f.document_id),
            location_id,
            ..Default::default()
        };
        erp::stock::deliveries::create(&erp.db, &user, input).await
    } else {
        let input = erp::stock::returns::ReturnInput {
            credit_note_id: Some(f.document_id),
            location_id,
            ..Default::default()
        };
        erp::stock::returns::create(&erp.db, &user, input).await
    };
    match done {
        Ok(doc) => Redirect::to(&format!("/inventory/documents/{}", doc.id)).into_response(),
        Err(e)
            if matches!(
                e.kind,
                erp::ErrorKind::Validation | erp::ErrorKind::Conflict | erp::ErrorKind::Forbidden
            ) =>
        {
            let lang = v.lang;
            let reasons: Vec<String> = if e.fields.is_empty() {
                vec![issue_text(lang, e.code, &e.message)]
            } else {
                e.fields
                    .iter()
                    .map(|x| issue_text(lang, x.code, &x.message))
                    .collect()
            };
            let banner = format!("{} {}", lang.t("stock-refused"), reasons.join(" "));
            super::sales::show_page(&erp, &v, &user, f.document_id, Some(banner)).await
        }
        Err(e) => unavailable(e),
    }
}
