//! The forms that buy, working without JavaScript: a purchase order
//! (supplier, currency, rows of product, quantity and price) and a
//! supplier's bill (the document as printed: class, number, CAI with its
//! range and deadline, the bases and their ISV; then how it is booked:
//! goods, expense, non-deductible, withholding). A refused form comes back
//! with what was typed and each problem beside its field.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::purchases::bills::{BillInput, CLASSES};
use erp::purchases::orders::{PurchaseOrderInput, PurchaseOrderLineInput};
use erp::values::parse_amount;
use erp::{Erp, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;

use super::fields::{Issues, Kind, field, refusal, refused_form, select, summary};
use super::purchases::tabs;
use super::{csrf_field, module_page};
use crate::form::{Form, FormRows};
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

const ROWS: usize = 4;

/// A number typed in a form, or a problem at `pointer` (left for the domain
/// to call required when empty).
pub(crate) fn number(
    issues: &mut Issues,
    pointer: &str,
    text: &str,
) -> Option<rust_decimal::Decimal> {
    if text.trim().is_empty() {
        return None;
    }
    parse_amount(text).or_else(|| {
        issues.push(FieldIssue::new(pointer, "not_a_number", "not a number"));
        None
    })
}

/// A date typed in a form (`<input type="date">` sends YYYY-MM-DD).
pub(crate) fn day(issues: &mut Issues, pointer: &str, text: &str) -> Option<chrono::NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| issues.push(FieldIssue::new(pointer, "not_a_date", "not a date")))
        .ok()
}

fn currencies() -> Vec<(String, String)> {
    ["HNL", "USD"]
        .iter()
        .map(|c| ((*c).to_owned(), (*c).to_owned()))
        .collect()
}

pub(crate) fn date_field(
    lang: Lang,
    issues: &Issues,
    name: &'static str,
    value: &str,
) -> impl IntoView + use<> {
    let id = format!("f-{name}");
    let error = issues.message(lang, name);
    view! {
        <div class="field">
            <label for=id.clone()>{lang.t(&format!("field-label-{}", name.replace('_', "-")))}</label>
            <input type="date" id=id name=name value=value.to_owned() aria-invalid=error.is_some().then_some("true")/>
            {error.map(|e| view! { <p class="field-error">{e}</p> })}
        </div>
    }
}

/// What a posted purchase form leads to: the record's page, or the form
/// again with its problems (and a banner for a refusal that is no field's).
pub(crate) fn outcome(
    lang: Lang,
    done: erp::Result<String>,
    issues: &mut Issues,
) -> Result<Response, Option<String>> {
    match done {
        Ok(href) => Ok(Redirect::to(&href).into_response()),
        Err(e) => match refusal(lang, &e, issues) {
            Some(banner) => Err(banner.or_else(|| {
                (e.kind == erp::ErrorKind::Conflict)
                    .then(|| super::fields::issue_text(lang, e.code, &e.message))
            })),
            None => Ok(unavailable(e)),
        },
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct OrderForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    exchange_rate: String,
    #[serde(default)]
    expected_date: String,
    #[serde(default)]
    reference: String,
}

/// product, quantity, price
type OrderRow = (String, String, String);

async fn order_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &OrderForm,
    typed: &[OrderRow],
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let suppliers = super::sales::parties_of_kind(erp, user, "supplier").await;
    let products: Vec<(String, String)> = super::sales::product_choices(erp, user)
        .await
        .into_iter()
        .map(|p| (p.id, p.label))
        .collect();
    let mut typed = typed.to_vec();
    typed.resize(ROWS.max(typed.len()), Default::default());
    let rows = typed
        .iter()
        .enumerate()
        .map(|(i, (product, quantity, price))| {
            let prefix = format!("/lines/{i}/");
            let errors: Vec<String> = issues
                .0
                .iter()
                .filter(|x| x.pointer.starts_with(&prefix))
                .map(|x| super::fields::issue_text(lang, x.code, &x.message))
                .collect();
            let options = std::iter::once((String::new(), "—".to_owned()))
                .chain(products.iter().cloned())
                .map(|(id, label)| {
                    let selected = id == *product;
                    view! { <option value=id selected=selected>{label}</option> }
                })
                .collect_view();
            view! {
                <tr>
                    <td><select name="product" id=format!("order-product-{i}") aria-label=lang.t("stock-col-product")>{options}</select></td>
                    <td><input name="quantity" class="num" inputmode="decimal" id=format!("order-quantity-{i}") value=quantity.clone() aria-label=lang.t("stock-col-quantity")/></td>
                    <td><input name="unit_price" class="num" inputmode="decimal" id=format!("order-price-{i}") value=price.clone() aria-label=lang.t("purchases-col-price")/></td>
                    <td>{errors.into_iter().map(|e| view! { <p class="field-error">{e}</p> }).collect_view()}</td>
                </tr>
            }
        })
        .collect_view();
    let supplier_choices = std::iter::once((String::new(), "—".to_owned()))
        .chain(suppliers)
        .collect();
    let content = view! {
        <div class="page-head"><h1>{lang.t("purchases-new-order")}</h1></div>
        {tabs(lang, "/purchases/orders/new", true)}
        {summary(lang, issues)}
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <form method="post" action="/purchases/orders" class="record" novalidate>
            {csrf_field(&v.csrf)}
            {select(lang, issues, "party_id", &f.party_id, supplier_choices)}
            {select(lang, issues, "currency", &f.currency, currencies())}
            {field(lang, issues, "exchange_rate", f.exchange_rate.clone(), Kind::Amount, false)}
            {date_field(lang, issues, "expected_date", &f.expected_date)}
            {field(lang, issues, "reference", f.reference.clone(), Kind::Text, false)}
            <table class="lines"><thead><tr>
                <th>{lang.t("stock-col-product")}</th><th class="num">{lang.t("stock-col-quantity")}</th>
                <th class="num">{lang.t("purchases-col-price")}</th><th></th>
            </tr></thead><tbody>{rows}</tbody></table>
            {issues.message(lang, "lines").map(|m| view! { <p class="field-error">{m}</p> })}
            <div class="actions"><button type="submit" id="save-order">{lang.t("purchases-save-order")}</button></div>
        </form>
    };
    module_page(
        erp,
        v,
        user,
        "nav-purchasing",
        lang.t("purchases-new-order"),
        content,
    )
    .await
}

pub async fn new_order(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    order_page(
        &erp,
        &v,
        &user,
        &OrderForm::default(),
        &[],
        &Issues::default(),
        None,
    )
    .await
}

pub async fn create_order(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<OrderForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (p, q, u) = (
        rows.all("product"),
        rows.all("quantity"),
        rows.all("unit_price"),
    );
    let typed: Vec<OrderRow> = (0..p.len())
        .map(|i| {
            let get = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
            (get(&p), get(&q), get(&u))
        })
        .collect();
    let mut issues = Issues::default();
    // Rows left empty are not lines; the rest keep their place so each
    // problem lands beside its row.
    let kept: Vec<&OrderRow> = typed
        .iter()
        .filter(|(p, q, u)| ![p, q, u].iter().all(|s| s.trim().is_empty()))
        .collect();
    let lines = kept
        .iter()
        .enumerate()
        .map(|(k, (product, quantity, price))| PurchaseOrderLineInput {
            product_id: product.parse().ok(),
            quantity: number(&mut issues, &format!("/lines/{k}/quantity"), quantity),
            unit_price: number(&mut issues, &format!("/lines/{k}/unit_price"), price),
        })
        .collect();
    let input = PurchaseOrderInput {
        party_id: f.party_id.parse().ok(),
        currency: Some(f.currency.clone()).filter(|c| !c.is_empty()),
        exchange_rate: number(&mut issues, "/exchange_rate", &f.exchange_rate),
        expected_date: day(&mut issues, "/expected_date", &f.expected_date),
        reference: f.reference.clone(),
        lines,
        ..Default::default()
    };
    let kept: Vec<OrderRow> = kept.into_iter().cloned().collect();
    let mut banner = None;
    if issues.is_empty() {
        let done = erp::purchases::orders::create(&erp.db, &user, input)
            .await
            .map(|o| format!("/purchases/orders/{}", o.id));
        match outcome(v.lang, done, &mut issues) {
            Ok(page) => return page,
            Err(b) => banner = b,
        }
    }
    refused_form(order_page(&erp, &v, &user, &f, &kept, &issues, banner).await)
}

#[derive(Deserialize, Default, Clone)]
pub struct BillForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    supplier_number: String,
    #[serde(default)]
    supplier_cai: String,
    #[serde(default)]
    cai_range_first: String,
    #[serde(default)]
    cai_range_last: String,
    #[serde(default)]
    cai_deadline: String,
    #[serde(default)]
    issue_date: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    exchange_rate: String,
    #[serde(default)]
    exempt: String,
    #[serde(default)]
    exonerated: String,
    #[serde(default)]
    exoneration_ref: String,
    #[serde(default)]
    taxed15: String,
    #[serde(default)]
    taxed18: String,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    expense: String,
    #[serde(default)]
    expense_account: String,
    #[serde(default)]
    non_deductible: String,
    #[serde(default)]
    memo: String,
    /// The order billed, when the bill is recorded from its page.
    #[serde(default)]
    purchase_order_id: String,
}

async fn bill_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &BillForm,
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let supplier_choices = std::iter::once((String::new(), "—".to_owned()))
        .chain(super::sales::parties_of_kind(erp, user, "supplier").await)
        .collect();
    let classes = CLASSES
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                lang.t(&format!("bill-class-{}", c.replace('_', "-"))),
            )
        })
        .collect();
    let amount = |name: &'static str, value: &String| {
        field(lang, issues, name, value.clone(), Kind::Amount, false)
    };
    let order = match f.purchase_order_id.parse() {
        Ok(id) => erp::purchases::orders::get(&erp.db, user, id).await.ok(),
        Err(_) => None,
    };
    let order_line = order.map(|o| {
        view! { <p id="bill-for-order">{lang.t("purchases-col-order")}": "<a href=format!("/purchases/orders/{}", o.id)>{o.number}</a></p> }
    });
    let content = view! {
        <div class="page-head"><h1>{lang.t("purchases-new-bill")}</h1></div>
        {tabs(lang, "/purchases/bills/new", true)}
        {summary(lang, issues)}
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <form method="post" action="/purchases/bills" class="record" novalidate>
            {csrf_field(&v.csrf)}
            <input type="hidden" name="purchase_order_id" value=f.purchase_order_id.clone()/>
            <fieldset>
                <legend>{lang.t("purchases-bill-document")}</legend>
                {order_line}
                {select(lang, issues, "party_id", &f.party_id, supplier_choices)}
                {select(lang, issues, "class", &f.class, classes)}
                {field(lang, issues, "supplier_number", f.supplier_number.clone(), Kind::Text, true)}
                <p class="hint">{lang.t("purchases-number-hint")}</p>
                {field(lang, issues, "supplier_cai", f.supplier_cai.clone(), Kind::Text, false)}
                {field(lang, issues, "cai_range_first", f.cai_range_first.clone(), Kind::Text, false)}
                {field(lang, issues, "cai_range_last", f.cai_range_last.clone(), Kind::Text, false)}
                {date_field(lang, issues, "cai_deadline", &f.cai_deadline)}
                <p class="hint">{lang.t("purchases-cai-hint")}</p>
                {date_field(lang, issues, "issue_date", &f.issue_date)}
                {select(lang, issues, "currency", &f.currency, currencies())}
                {field(lang, issues, "exchange_rate", f.exchange_rate.clone(), Kind::Amount, false)}
            </fieldset>
            <fieldset>
                <legend>{lang.t("purchases-bill-amounts")}</legend>
                {amount("exempt", &f.exempt)}
                {amount("exonerated", &f.exonerated)}
                {field(lang, issues, "exoneration_ref", f.exoneration_ref.clone(), Kind::Text, false)}
                {amount("taxed15", &f.taxed15)}
                {amount("taxed18", &f.taxed18)}
                <p class="hint">{lang.t("purchases-isv-hint")}</p>
            </fieldset>
            <fieldset>
                <legend>{lang.t("purchases-bill-booking")}</legend>
                {amount("goods", &f.goods)}
                {amount("expense", &f.expense)}
                {field(lang, issues, "expense_account", f.expense_account.clone(), Kind::Text, false)}
                {amount("non_deductible", &f.non_deductible)}
                <p class="hint">{lang.t("purchases-split-hint")}</p>
            </fieldset>
            {field(lang, issues, "memo", f.memo.clone(), Kind::Area, false)}
            <div class="actions"><button type="submit" id="save-bill">{lang.t("purchases-save-bill")}</button></div>
        </form>
    };
    module_page(
        erp,
        v,
        user,
        "nav-purchasing",
        lang.t("purchases-new-bill"),
        content,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct NewBillQuery {
    /// The order billed: its supplier, currency and rate, and the value of
    /// what arrived as the goods, filled in.
    order: Option<uuid::Uuid>,
}

pub async fn new_bill(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<NewBillQuery>,
) -> Response {
    let mut f = BillForm::default();
    if let Some(order) = q.order {
        match erp::purchases::orders::get(&erp.db, &user, order).await {
            Ok(o) => {
                let received: rust_decimal::Decimal = o
                    .lines
                    .iter()
                    .map(|l| (l.received * l.unit_price).round_dp(2))
                    .sum();
                f.party_id = o.party_id.to_string();
                f.purchase_order_id = o.id.to_string();
                f.currency = o.currency.clone();
                if o.currency != "HNL" {
                    f.exchange_rate = o.exchange_rate.normalize().to_string();
                }
                if !received.is_zero() {
                    f.goods = received.to_string();
                }
            }
            Err(e) if e.kind == erp::ErrorKind::NotFound => {}
            Err(e) => return unavailable(e),
        }
    }
    bill_page(&erp, &v, &user, &f, &Issues::default(), None).await
}

pub async fn create_bill(State(erp): State<Erp>, v: Visitor, Form(f): Form<BillForm>) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut issues = Issues::default();
    let mut amount = |name: &str, text: &str| number(&mut issues, &format!("/{name}"), text);
    let input = BillInput {
        party_id: f.party_id.parse().ok(),
        class: Some(f.class.clone()).filter(|c| !c.is_empty()),
        supplier_number: f.supplier_number.clone(),
        supplier_cai: f.supplier_cai.clone(),
        cai_range_first: f.cai_range_first.clone(),
        cai_range_last: f.cai_range_last.clone(),
        currency: Some(f.currency.clone()).filter(|c| !c.is_empty()),
        exchange_rate: amount("exchange_rate", &f.exchange_rate),
        exempt: amount("exempt", &f.exempt),
        exonerated: amount("exonerated", &f.exonerated),
        exoneration_ref: f.exoneration_ref.clone(),
        taxed15: amount("taxed15", &f.taxed15),
        taxed18: amount("taxed18", &f.taxed18),
        goods: amount("goods", &f.goods),
        expense: amount("expense", &f.expense),
        expense_account: f.expense_account.clone(),
        non_deductible: amount("non_deductible", &f.non_deductible),
        memo: f.memo.clone(),
        purchase_order_id: f.purchase_order_id.parse().ok(),
        ..Default::default()
    };
    let input = BillInput {
        cai_deadline: day(&mut issues, "/cai_deadline", &f.cai_deadline),
        issue_date: day(&mut issues, "/issue_date", &f.issue_date),
        ..input
    };
    let mut banner = None;
    if issues.is_empty() {
        let done = erp::purchases::bills::create(&erp.db, &user, input)
            .await
            .map(|b| format!("/purchases/bills/{}", b.id));
        match outcome(v.lang, done, &mut issues) {
            Ok(page) => return page,
            Err(b) => banner = b,
        }
    }
    refused_form(bill_page(&erp, &v, &user, &f, &issues, banner).await)
}
