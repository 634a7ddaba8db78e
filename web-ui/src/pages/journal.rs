//! The journal for the accountant: the latest entries with their lines, a
//! manual entry (rows of account, debit, credit; refused unless it
//! balances) and the reversal of a manual entry.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::accounting::journal::{JournalQuery, ManualEntryInput, ManualLineInput, ReverseInput};
use erp::roles::{Action, Resource};
use erp::values::{format_lempiras, parse_amount};
use erp::{Erp, ErrorKind, FieldIssue};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, refused_form, summary};
use super::{PageRole, csrf_field, module_page};
use crate::form::{Form, FormRows};
use crate::request::{SignedIn, Visitor, unavailable};

const ROWS: usize = 4;

#[derive(Deserialize, Default, Clone)]
pub struct EntryForm {
    csrf: String,
    #[serde(default)]
    memo: String,
    #[serde(default)]
    entry_date: String,
}

type Typed = Vec<(String, String, String)>;

async fn page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &EntryForm,
    typed: &Typed,
    issues: &Issues,
) -> Response {
    let lang = v.lang;
    let entries = match erp::accounting::journal::list(
        &erp.db,
        user,
        JournalQuery {
            limit: Some(30),
            ..Default::default()
        },
    )
    .await
    {
        Ok(p) => p.items,
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(erp, user).await;
    let can_create = role.can(Resource::Ledger, Action::Create);
    let can_reverse = role.can(Resource::Ledger, Action::Archive);
    let mut shown = Vec::new();
    for e in entries {
        if let Ok(full) = erp::accounting::journal::get(&erp.db, user, e.id).await {
            shown.push(full);
        }
    }
    let rows = shown
        .iter()
        .map(|e| {
            let lines = e
                .lines
                .iter()
                .map(|l| view! {
                    <tr class="entry-line">
                        <td></td><td>{format!("{} {}", l.account_code, l.account_name)}</td>
                        <td class="num">{(!l.debit.is_zero()).then(|| format_lempiras(l.debit))}</td>
                        <td class="num">{(!l.credit.is_zero()).then(|| format_lempiras(l.credit))}</td><td></td>
                    </tr>
                })
                .collect_view();
            let reverse = (can_reverse && e.source_kind == "manual" && e.reversed_by.is_none()).then(|| view! {
                <form method="post" action=format!("/journal/{}/reverse", e.id) class="inline">
                    {csrf_field(&v.csrf)}
                    <button type="submit" class="secondary">{lang.t("journal-reverse")}</button>
                </form>
            });
            view! {
                <tr class="entry-head">
                    <td>{format!("#{} · {}", e.entry_no, e.entry_date.format("%d/%m/%Y"))}</td>
                    <td><strong>{e.memo.clone()}</strong>" "<span class="tag">{lang.t(&format!("journal-source-{}", e.source_kind))}</span></td>
                    <td class="num">{format_lempiras(e.total)}</td><td class="num">{format_lempiras(e.total)}</td>
                    <td>{reverse}</td>
                </tr>
                {lines}
            }
        })
        .collect_view();
    let accounts = erp::accounting::accounts::list(&erp.db, user)
        .await
        .unwrap_or_default();
    let form = can_create.then(|| {
        let mut typed = typed.clone();
        typed.resize(ROWS.max(typed.len()), Default::default());
        let line_rows = typed
            .iter()
            .enumerate()
            .map(|(i, (account, debit, credit))| {
                let options = std::iter::once(view! { <option value="">"—"</option> }.into_any())
                    .chain(accounts.iter().filter(|a| a.postable && a.active).map(|a| {
                        let selected = a.id.to_string() == *account;
                        view! { <option value=a.id.to_string() selected=selected>{format!("{} {}", a.code, a.name)}</option> }.into_any()
                    }))
                    .collect_view();
                let error = issues.0.iter().find(|x| x.pointer.starts_with(&format!("/lines/{i}/"))).map(|x| {
                    super::fields::issue_text(lang, &x.code, &x.message)
                });
                view! {
                    <tr>
                        <td><select name="account" id=format!("entry-account-{i}") aria-label=lang.t("report-col-account")>{options}</select></td>
                        <td><input name="debit" class="num" inputmode="decimal" id=format!("entry-debit-{i}") value=debit.clone() aria-label=lang.t("report-col-debit")/></td>
                        <td><input name="credit" class="num" inputmode="decimal" id=format!("entry-credit-{i}") value=credit.clone() aria-label=lang.t("report-col-credit")/></td>
                        <td>{error.map(|e| view! { <span class="field-error">{e}</span> })}</td>
                    </tr>
                }
            })
            .collect_view();
        let err = |name: &str| issues.message(lang, name).map(|m| view! { <p class="field-error">{m}</p> });
        view! {
            <h2>{lang.t("journal-manual")}</h2>
            {summary(lang, issues)}
            <form method="post" action="/journal" class="record" novalidate>
                {csrf_field(&v.csrf)}
                <label for="f-memo">{lang.t("journal-memo")}</label>
                <input id="f-memo" name="memo" value=f.memo.clone()/>
                {err("memo")}
                <label for="f-entry_date">{lang.t("sales-date")}</label>
                <input type="date" id="f-entry_date" name="entry_date" value=f.entry_date.clone()/>
                <table class="lines"><thead><tr>
                    <th>{lang.t("report-col-account")}</th><th class="num">{lang.t("report-col-debit")}</th><th class="num">{lang.t("report-col-credit")}</th><th></th>
                </tr></thead><tbody>{line_rows}</tbody></table>
                {err("lines")}
                <div class="actions"><button type="submit" id="save-entry">{lang.t("journal-save")}</button></div>
            </form>
        }
    });
    let content = view! {
        <div class="page-head">
            <h1>{lang.t("journal-title")}</h1>
            <a href="/accounts">{lang.t("journal-chart")}</a>
        </div>
        {form}
        <table id="journal" class="journal">
            <thead><tr><th>{lang.t("sales-number")}</th><th>{lang.t("journal-memo")}</th><th class="num">{lang.t("report-col-debit")}</th><th class="num">{lang.t("report-col-credit")}</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    };
    module_page(
        erp,
        v,
        user,
        "nav-accounting",
        lang.t("journal-title"),
        content,
    )
    .await
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    page(
        &erp,
        &v,
        &user,
        &EntryForm::default(),
        &vec![],
        &Issues::default(),
    )
    .await
}

pub async fn create(
    State(erp): State<Erp>,
    v: Visitor,
    FormRows(f, rows): FormRows<EntryForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (accounts, debits, credits) = (rows.all("account"), rows.all("debit"), rows.all("credit"));
    let typed: Typed = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                a.clone(),
                debits.get(i).cloned().unwrap_or_default(),
                credits.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let mut issues = Issues::default();
    let mut lines = Vec::new();
    for (i, (account, debit, credit)) in typed.iter().enumerate() {
        if account.is_empty() && debit.trim().is_empty() && credit.trim().is_empty() {
            continue;
        }
        let mut amount = |text: &str| match text.trim() {
            "" => None,
            t => parse_amount(t).or_else(|| {
                issues.push(FieldIssue::new(
                    &format!("/lines/{i}/debit"),
                    "not_a_number",
                    "not a number",
                ));
                None
            }),
        };
        lines.push(ManualLineInput {
            account_id: account.parse::<Uuid>().ok(),
            debit: amount(debit),
            credit: amount(credit),
            ..ManualLineInput::default()
        });
    }
    let entry_date = chrono::NaiveDate::parse_from_str(f.entry_date.trim(), "%Y-%m-%d").ok();
    if issues.is_empty() {
        let input = ManualEntryInput {
            entry_date,
            memo: f.memo.clone(),
            lines,
        };
        match erp::accounting::journal::create_manual(&erp.db, &user, input).await {
            Ok(_) => return Redirect::to("/journal").into_response(),
            Err(e) if e.kind == ErrorKind::Validation => issues.0.extend(e.fields.iter().cloned()),
            Err(e) if e.kind == ErrorKind::Forbidden => {
                issues.push(FieldIssue::new("/memo", "forbidden", e.message.clone()))
            }
            Err(e) => return unavailable(e),
        }
    }
    refused_form(page(&erp, &v, &user, &f, &typed, &issues).await)
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
    match erp::accounting::journal::reverse(&erp.db, &user, id, ReverseInput::default()).await {
        Ok(_)
        | Err(erp::Error {
            kind: ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::NotFound,
            ..
        }) => Redirect::to("/journal").into_response(),
        Err(e) => unavailable(e),
    }
}
