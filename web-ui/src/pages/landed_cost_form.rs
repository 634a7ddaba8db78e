//! The landed costs of a receipt, from the receipt's page: the customs
//! broker or customs, the DUA number, how to spread (by value or by
//! quantity) and the costs by kind (freight, DAI, selectivo, insurance,
//! broker). Works without JavaScript; a refused form comes back with what
//! was typed and each problem beside its row.

use axum::extract::{Query, State};
use axum::response::Response;
use erp::Erp;
use erp::stock::landed_costs::{COST_KINDS, CostInput, LandedCostInput};
use leptos::prelude::*;
use serde::Deserialize;

use super::fields::{Issues, issue_text, refused_form, summary};
use super::stock::tabs;
use super::stock_forms::{Posted, head_select, number, options, posted};
use super::{csrf_field, module_page};
use crate::form::FormRows;
use crate::request::{SignedIn, Visitor};

#[derive(Deserialize, Default, Clone)]
pub struct LandedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    receipt_id: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    method: String,
}

#[derive(Deserialize, Default)]
pub struct LandedParams {
    #[serde(default)]
    receipt: String,
}

/// kind, amount
type CostRow = (String, String);

async fn page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &LandedForm,
    typed: &[CostRow],
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let suppliers = super::sales::parties_of_kind(erp, user, "supplier").await;
    let receipt = match f.receipt_id.parse() {
        Ok(id) => erp::stock::documents::get(&erp.db, user, id)
            .await
            .ok()
            .map(|d| d.number),
        Err(_) => None,
    };
    let kinds: Vec<(String, String)> = COST_KINDS
        .iter()
        .map(|k| ((*k).to_owned(), lang.t(&format!("landed-kind-{k}"))))
        .collect();
    let methods: Vec<(String, String)> = ["value", "quantity"]
        .iter()
        .map(|m| ((*m).to_owned(), lang.t(&format!("landed-method-{m}"))))
        .collect();
    let mut typed = typed.to_vec();
    typed.resize(5.max(typed.len()), Default::default());
    let rows = typed
        .iter()
        .enumerate()
        .map(|(i, (kind, amount))| {
            let errors: Vec<String> = issues
                .0
                .iter()
                .filter(|x| x.pointer.starts_with(&format!("/costs/{i}/")))
                .map(|x| issue_text(lang, x.code, &x.message))
                .collect();
            view! {
                <tr>
                    <td><select name="kind" id=format!("landed-kind-{i}") aria-label=lang.t("landed-col-kind")>
                        {options(&kinds, kind, "—".to_owned())}
                    </select></td>
                    <td><input name="amount" class="num" inputmode="decimal" id=format!("landed-amount-{i}") value=amount.clone() aria-label=lang.t("landed-col-amount")/></td>
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
        <div class="page-head"><h1>{lang.t("landed-title")}</h1></div>
        {tabs(lang, "", true)}
        {summary(lang, issues)}
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        <form method="post" action="/inventory/landed-costs" class="record" novalidate>
            {csrf_field(&v.csrf)}
            <input type="hidden" name="receipt_id" value=f.receipt_id.clone()/>
            <p id="landed-receipt">{lang.t("landed-of-receipt")}" "{receipt}</p>
            {err("receipt_id")}
            {head_select(lang, issues, "party_id", "landed-party", &f.party_id, &suppliers)}
            <label for="f-reference">{lang.t("landed-dua")}</label>
            <input id="f-reference" name="reference" value=f.reference.clone()/>
            {err("reference")}
            {head_select(lang, issues, "method", "landed-method", &f.method, &methods)}
            <table class="lines"><thead><tr>
                <th>{lang.t("landed-col-kind")}</th><th class="num">{lang.t("landed-col-amount")}</th><th></th>
            </tr></thead><tbody>{rows}</tbody></table>
            {err("costs")}
            <p class="hint">{lang.t("landed-isv-hint")}</p>
            <div class="actions"><button type="submit" id="save-landed">{lang.t("landed-save")}</button></div>
        </form>
    };
    module_page(
        erp,
        v,
        user,
        "nav-inventory",
        lang.t("landed-title"),
        content,
    )
    .await
}

pub async fn new(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(p): Query<LandedParams>,
) -> Response {
    let f = LandedForm {
        receipt_id: p.receipt,
        method: "value".to_owned(),
        ..Default::default()
    };
    page(&erp, &v, &user, &f, &[], &Issues::default(), None).await
}

pub async fn create(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<LandedForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (kinds, amounts) = (rows.all("kind"), rows.all("amount"));
    let typed: Vec<CostRow> = (0..kinds.len().max(amounts.len()))
        .map(|i| {
            (
                kinds.get(i).cloned().unwrap_or_default(),
                amounts.get(i).cloned().unwrap_or_default(),
            )
        })
        .filter(|(k, a)| !(k.trim().is_empty() && a.trim().is_empty()))
        .collect();
    let mut issues = Issues::default();
    let costs = typed
        .iter()
        .enumerate()
        .map(|(i, (kind, amount))| CostInput {
            kind: kind.clone(),
            amount: number(&mut issues, format!("/costs/{i}/amount"), amount),
        })
        .collect();
    let input = LandedCostInput {
        receipt_id: f.receipt_id.parse().ok(),
        party_id: f.party_id.parse().ok(),
        reference: f.reference.clone(),
        method: Some(f.method.clone()).filter(|m| !m.is_empty()),
        costs,
        ..Default::default()
    };
    let mut banner = None;
    if issues.is_empty() {
        match posted(
            v.lang,
            erp::stock::landed_costs::create(&erp.db, &user, input).await,
            &mut issues,
        ) {
            Posted::Done(page) => return page,
            Posted::Again(b) => banner = b,
        }
    }
    refused_form(page(&erp, &v, &user, &f, &typed, &issues, banner).await)
}
