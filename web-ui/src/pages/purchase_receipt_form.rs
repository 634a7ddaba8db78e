//! The purchase receipt (boleta de compra) form: a used vehicle bought from
//! a private person — seller, model, VIN and its particulars, price and
//! where it goes. Saved, it is a bill of class `purchase_receipt` numbered
//! from the company's own range, and the unit is in stock at that price.

use axum::extract::State;
use axum::response::Response;
use erp::Erp;
use erp::purchases::purchase_receipts::PurchaseReceiptInput;
use leptos::prelude::*;
use serde::Deserialize;

use super::fields::{Issues, Kind, field, refused_form, select, summary};
use super::purchase_forms::{date_field, day, number, outcome};
use super::purchases::tabs;
use super::{csrf_field, module_page};
use crate::form::Form;
use crate::request::{SignedIn, Visitor};

#[derive(Deserialize, Default, Clone)]
pub struct ReceiptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    location_id: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    engine_no: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    model_year: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    issue_date: String,
    #[serde(default)]
    memo: String,
}

async fn page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &ReceiptForm,
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let none = || std::iter::once((String::new(), "—".to_owned()));
    let sellers = none()
        .chain(super::sales::parties_of_kind(erp, user, "supplier").await)
        .collect();
    let models = none()
        .chain(
            super::sales::product_choices(erp, user)
                .await
                .into_iter()
                .map(|p| (p.id, p.label)),
        )
        .collect();
    let places = none()
        .chain(super::stock::held_locations(erp, user).await)
        .collect();
    let title = lang.t("purchases-new-receipt");
    let content = view! {
        <div class="page-head"><h1>{title.clone()}</h1></div>
        {tabs(lang, "/purchases/purchase-receipts/new", true)}
        <p class="hint">{lang.t("purchases-receipt-hint")}</p>
        {summary(lang, issues)}
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <form method="post" action="/purchases/purchase-receipts" class="record" novalidate>
            {csrf_field(&v.csrf)}
            {select(lang, issues, "party_id", &f.party_id, sellers)}
            {select(lang, issues, "product_id", &f.product_id, models)}
            {field(lang, issues, "serial", f.serial.clone(), Kind::Text, true)}
            {field(lang, issues, "engine_no", f.engine_no.clone(), Kind::Text, false)}
            {field(lang, issues, "colour", f.colour.clone(), Kind::Text, false)}
            {field(lang, issues, "model_year", f.model_year.clone(), Kind::Amount, false)}
            {field(lang, issues, "price", f.price.clone(), Kind::Amount, true)}
            {select(lang, issues, "location_id", &f.location_id, places)}
            {date_field(lang, issues, "issue_date", &f.issue_date)}
            {field(lang, issues, "memo", f.memo.clone(), Kind::Area, false)}
            <div class="actions"><button type="submit" id="save-receipt">{lang.t("purchases-save-receipt")}</button></div>
        </form>
    };
    module_page(erp, v, user, "nav-purchasing", title, content).await
}

pub async fn new(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    page(
        &erp,
        &v,
        &user,
        &ReceiptForm::default(),
        &Issues::default(),
        None,
    )
    .await
}

pub async fn create(State(erp): State<Erp>, v: Visitor, Form(f): Form<ReceiptForm>) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut issues = Issues::default();
    let model_year = match f.model_year.trim() {
        "" => None,
        y => y.parse().ok().or_else(|| {
            issues.push(erp::FieldIssue::new(
                "/model_year",
                "not_a_number",
                "not a number",
            ));
            None
        }),
    };
    let input = PurchaseReceiptInput {
        party_id: f.party_id.parse().ok(),
        location_id: f.location_id.parse().ok(),
        product_id: f.product_id.parse().ok(),
        serial: f.serial.clone(),
        engine_no: f.engine_no.clone(),
        colour: f.colour.clone(),
        model_year,
        price: number(&mut issues, "/price", &f.price),
        issue_date: day(&mut issues, "/issue_date", &f.issue_date),
        memo: f.memo.clone(),
        ..Default::default()
    };
    let mut banner = None;
    if issues.is_empty() {
        let done = erp::purchases::purchase_receipts::create(&erp.db, &user, input)
            .await
            .map(|b| format!("/purchases/bills/{}", b.id));
        match outcome(v.lang, done, &mut issues) {
            Ok(page) => return page,
            Err(b) => banner = b,
        }
    }
    refused_form(page(&erp, &v, &user, &f, &issues, banner).await)
}
