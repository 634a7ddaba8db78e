//! Customer payments: the recent ones (with reversal), and recording one —
//! choose the customer, then the page lists their open invoices with an
//! amount box each, so one payment can pay several invoices.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::receivables::payments::{AllocationInput, PaymentInput, PaymentQuery};
use erp::roles::{Action, Resource};
use erp::values::{format_amount, format_lempiras, parse_amount};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, refused_form, summary};
use super::records::VersionForm;
use super::{PageRole, csrf_field, module_page};
use crate::form::{Form, FormRows};
use crate::request::{SignedIn, Visitor, unavailable};

#[derive(Deserialize, Default, Clone)]
pub struct NewQuery {
    party_id: Option<Uuid>,
}

pub async fn list(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let lang = v.lang;
    let payments =
        match erp::receivables::payments::list(&erp.db, &user, PaymentQuery::default()).await {
            Ok(p) => p,
            Err(e) => return unavailable(e),
        };
    let role = PageRole::of(&erp, &user).await;
    let can_reverse = role.can(Resource::Payments, Action::Archive);
    let customers = super::sales::customers(&erp, &user)
        .await
        .into_iter()
        .map(|(id, name)| view! { <option value=id>{name}</option> })
        .collect_view();
    let empty = payments.is_empty();
    let rows = payments
        .iter()
        .map(|p| {
            let reverse = (can_reverse && p.reversed_at.is_none()).then(|| view! {
                <form method="post" action=format!("/payments/{}/reverse", p.id) class="inline">
                    {csrf_field(&v.csrf)}
                    <input type="hidden" name="version" value=p.version.to_string()/>
                    <button type="submit" class="secondary">{lang.t("payments-reverse")}</button>
                </form>
            });
            let applied = p.allocations.iter().map(|a| a.fiscal_number.clone()).collect::<Vec<_>>().join(", ");
            view! {
                <tr class:reversed=p.reversed_at.is_some()>
                    <td>{p.payment_date.format("%d/%m/%Y").to_string()}</td>
                    <td>{p.reference_no.clone()}</td>
                    <td>{p.party_name.clone()}</td>
                    <td>{lang.t(&format!("payments-method-{}", p.method))}</td>
                    <td class="num">{format_amount(p.amount, &p.currency)}</td>
                    <td class="num">{format_amount(p.unallocated, &p.currency)}</td>
                    <td>{applied}</td>
                    <td>{p.reversed_at.map(|_| view! { <span class="tag status-cancelled">{lang.t("payments-reversed")}</span> })}{reverse}</td>
                </tr>
            }
        })
        .collect_view();
    let content = view! {
        <div class="page-head"><h1>{lang.t("payments-title")}</h1></div>
        {role.can(Resource::Payments, Action::Create).then(|| view! {
            <form method="get" action="/payments/new" class="filters">
                <label for="f-party_id">{lang.t("payments-record-for")}</label>
                <select id="f-party_id" name="party_id">{customers}</select>
                <button type="submit" id="record-payment">{lang.t("payments-record")}</button>
            </form>
        })}
        {if empty {
            view! { <p class="empty">{lang.t("payments-empty")}</p> }.into_any()
        } else {
            view! {
                <table id="payments">
                    <thead><tr>
                        <th>{lang.t("sales-date")}</th><th>{lang.t("sales-number")}</th><th>{lang.t("sales-customer")}</th>
                        <th>{lang.t("payments-method")}</th><th class="num">{lang.t("payments-amount")}</th>
                        <th class="num">{lang.t("payments-unallocated")}</th><th>{lang.t("payments-applied")}</th><th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
    };
    module_page(
        &erp,
        &v,
        &user,
        "nav-payments",
        lang.t("payments-title"),
        content,
    )
    .await
}

#[derive(Deserialize, Default, Clone)]
pub struct PaymentForm {
    csrf: String,
    party_id: Uuid,
    #[serde(default)]
    method: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
}

async fn form_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    party: Uuid,
    f: &PaymentForm,
    typed: &[(String, String)],
    issues: &Issues,
    banner: Option<String>,
) -> Response {
    let lang = v.lang;
    let statement = match erp::receivables::statement::statement(
        &erp.db,
        user,
        party,
        Default::default(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v.clone()).await,
        Err(e) => return unavailable(e),
    };
    let rows = statement
        .open_invoices
        .iter()
        .enumerate()
        .map(|(i, inv)| {
            let value = typed.iter().find(|(id, _)| *id == inv.id.to_string()).map(|(_, a)| a.clone()).unwrap_or_default();
            let error = issues.0.iter().find(|x| x.pointer.starts_with(&format!("/allocations/{i}/"))).map(|x| {
                super::fields::issue_text(lang, &x.code, &x.message)
            });
            view! {
                <tr>
                    <td>{inv.fiscal_number.clone()}<input type="hidden" name="invoice" value=inv.id.to_string()/></td>
                    <td>{inv.due_date.format("%d/%m/%Y").to_string()}</td>
                    <td class="num">{format_amount(inv.open_amount, &inv.currency)}</td>
                    <td><input name="apply" class="num" inputmode="decimal" id=format!("apply-{i}") value=value aria-label=lang.t("payments-apply")/>{error.map(|e| view! { <p class="field-error">{e}</p> })}</td>
                </tr>
            }
        })
        .collect_view();
    let err = |name: &str| {
        issues
            .message(lang, name)
            .map(|m| view! { <p class="field-error">{m}</p> })
    };
    let methods = ["cash", "transfer", "card"]
        .iter()
        .map(|m| view! { <option value=*m selected=f.method == *m>{lang.t(&format!("payments-method-{m}"))}</option> })
        .collect_view();
    let title = lang.t_args(
        "payments-record-title",
        &[("name", statement.party_name.clone())],
    );
    let content = view! {
        <h1>{title.clone()}</h1>
        <p>{lang.t_args("payments-balance", &[("amount", format_lempiras(statement.closing_balance))])}</p>
        {banner.map(|b| view! { <p class="alert" role="alert">{b}</p> })}
        {summary(lang, issues)}
        <form method="post" action="/payments" class="record" novalidate>
            {csrf_field(&v.csrf)}
            <input type="hidden" name="party_id" value=party.to_string()/>
            <label for="f-method">{lang.t("payments-method")}</label>
            <select id="f-method" name="method">{methods}</select>
            <label for="f-amount">{lang.t("payments-amount")}</label>
            <input id="f-amount" name="amount" inputmode="decimal" value=f.amount.clone()/>
            {err("amount")}
            <label for="f-reference">{lang.t("payments-reference")}</label>
            <input id="f-reference" name="reference" value=f.reference.clone()/>
            <table id="open-invoices">
                <thead><tr><th>{lang.t("sales-kind-invoice")}</th><th>{lang.t("sales-due")}</th><th class="num">{lang.t("payments-owed")}</th><th>{lang.t("payments-apply")}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {err("allocations")}
            <div class="actions">
                <button type="submit" id="save-payment">{lang.t("payments-save")}</button>
                <a href="/payments">{lang.t("record-cancel")}</a>
            </div>
        </form>
    };
    module_page(erp, v, user, "nav-payments", title, content).await
}

pub async fn new(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<NewQuery>,
) -> Response {
    let Some(party) = q.party_id else {
        return Redirect::to("/payments").into_response();
    };
    let f = PaymentForm {
        party_id: party,
        method: "cash".into(),
        ..PaymentForm::default()
    };
    form_page(&erp, &v, &user, party, &f, &[], &Issues::default(), None).await
}

pub async fn create(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<PaymentForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let typed: Vec<(String, String)> = rows
        .all("invoice")
        .into_iter()
        .zip(rows.all("apply"))
        .collect();
    let mut issues = Issues::default();
    let mut allocations = Vec::new();
    for (i, (invoice, amount)) in typed
        .iter()
        .enumerate()
        .filter(|(_, (_, a))| !a.trim().is_empty())
    {
        match (invoice.parse::<Uuid>(), parse_amount(amount)) {
            (Ok(document_id), Some(amount)) => allocations.push(AllocationInput {
                document_id,
                amount,
            }),
            _ => issues.push(FieldIssue::new(
                &format!("/allocations/{i}/amount"),
                "not_a_number",
                "not a number",
            )),
        }
    }
    let amount = parse_amount(&f.amount);
    if amount.is_none() {
        issues.push(FieldIssue::new("/amount", "not_a_number", "not a number"));
    }
    let mut banner = None;
    if issues.is_empty() {
        let input = PaymentInput {
            party_id: Some(f.party_id),
            method: f.method.clone(),
            amount,
            reference: f.reference.clone(),
            allocations,
            ..PaymentInput::default()
        };
        match erp::receivables::payments::record(&erp.db, &user, input).await {
            Ok(_) => return Redirect::to("/payments").into_response(),
            Err(e) if e.kind == ErrorKind::Validation => {
                // Allocation errors name the position among the filled rows; map back to the page's rows.
                let filled: Vec<usize> = typed
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, a))| !a.trim().is_empty())
                    .map(|(i, _)| i)
                    .collect();
                for mut issue in e.fields.iter().cloned() {
                    if let Some(rest) = issue.pointer.strip_prefix("/allocations/") {
                        let (n, tail) = rest.split_once('/').unwrap_or((rest, ""));
                        if let Some(row) = n.parse::<usize>().ok().and_then(|n| filled.get(n)) {
                            issue.pointer = format!("/allocations/{row}/{tail}");
                        }
                    }
                    issues.push(issue);
                }
            }
            Err(e) if matches!(e.kind, ErrorKind::Conflict | ErrorKind::Forbidden) => {
                banner = Some(e.message.clone())
            }
            Err(e) => return unavailable(e),
        }
    }
    refused_form(form_page(&erp, &v, &user, f.party_id, &f, &typed, &issues, banner).await)
}

pub async fn reverse(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match erp::receivables::payments::reverse(&erp.db, &user, id, f.version).await {
        Ok(_) => Redirect::to("/payments").into_response(),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::NotFound
            ) =>
        {
            Redirect::to("/payments").into_response()
        }
        Err(e) => unavailable(e),
    }
}
