//! The register of the SAR's authorized ranges (CAI): each range with what
//! is left of it and its state, the form that registers a new one as the
//! SAR's resolution prints it, and retiring a range.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::fiscal::ranges::FiscalRangeInput;
use erp::roles::{Action, Resource};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{Issues, refused_form, summary};
use super::records::VersionForm;
use super::{PageRole, csrf_field, module_page};
use crate::form::Form;
use crate::request::{SignedIn, Visitor, unavailable};

#[derive(Deserialize, Default, Clone)]
pub struct RangeForm {
    csrf: String,
    #[serde(default)]
    doc_kind: String,
    #[serde(default)]
    cai: String,
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
    #[serde(default)]
    deadline: String,
}

async fn page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    f: &RangeForm,
    issues: &Issues,
) -> Response {
    let lang = v.lang;
    let ranges = match erp::fiscal::ranges::list(&erp.db, user).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    let role = PageRole::of(erp, user).await;
    let can_create = role.can(Resource::Fiscal, Action::Create);
    let can_archive = role.can(Resource::Fiscal, Action::Archive);
    let rows = ranges
        .iter()
        .map(|r| {
            let warning = r.warning.as_ref().map(|w| lang.t(&format!("fiscal-short-{}", w.replace('_', "-"))));
            let retire = (can_archive && r.archived_at.is_none()).then(|| view! {
                <form method="post" action=format!("/fiscal-ranges/{}/archive", r.id) class="inline">
                    {csrf_field(&v.csrf)}
                    <input type="hidden" name="version" value=r.version.to_string()/>
                    <button type="submit" class="secondary">{lang.t("fiscal-retire")}</button>
                </form>
            });
            view! {
                <tr>
                    <td>{lang.t(&format!("fiscal-kind-{}", r.doc_kind.replace('_', "-")))}</td>
                    <td><code>{r.cai.clone()}</code></td>
                    <td>{r.first.clone()}<br/>{r.last.clone()}</td>
                    <td class="num">{r.remaining.max(0).to_string()}</td>
                    <td>{r.deadline.format("%d/%m/%Y").to_string()}</td>
                    <td><span class=format!("tag status-{}", r.state)>{lang.t(&format!("fiscal-state-{}", r.state))}</span>{warning.map(|w| view! { <span class="tag warn">{w}</span> })}</td>
                    <td>{retire}</td>
                </tr>
            }
        })
        .collect_view();
    let err = |name: &str| {
        issues
            .message(lang, name)
            .map(|m| view! { <p class="field-error">{m}</p> })
    };
    let kinds = erp::fiscal::ranges::DOC_KINDS
        .iter()
        .map(|k| view! { <option value=*k selected=f.doc_kind == *k>{lang.t(&format!("fiscal-kind-{}", k.replace('_', "-")))}</option> })
        .collect_view();
    let form = can_create.then(|| view! {
        <h2>{lang.t("fiscal-add")}</h2>
        {summary(lang, issues)}
        <form method="post" action="/fiscal-ranges" class="record" novalidate>
            {csrf_field(&v.csrf)}
            <label for="f-doc_kind">{lang.t("fiscal-doc-kind")}</label>
            <select id="f-doc_kind" name="doc_kind">{kinds}</select>
            <label for="f-cai">"CAI"</label>
            <input id="f-cai" name="cai" value=f.cai.clone() placeholder="XXXXXX-XXXXXX-XXXXXX-XXXXXX-XXXXXX-XX"/>
            {err("cai")}
            <label for="f-first">{lang.t("fiscal-first")}</label>
            <input id="f-first" name="first" value=f.first.clone() placeholder="001-001-01-00000001"/>
            {err("first")}
            <label for="f-last">{lang.t("fiscal-last")}</label>
            <input id="f-last" name="last" value=f.last.clone() placeholder="001-001-01-00000500"/>
            {err("last")}
            <label for="f-deadline">{lang.t("sales-deadline")}</label>
            <input type="date" id="f-deadline" name="deadline" value=f.deadline.clone()/>
            {err("deadline")}
            <div class="actions"><button type="submit" id="save-range">{lang.t("fiscal-save")}</button></div>
        </form>
    });
    let content = view! {
        <h1>{lang.t("fiscal-title")}</h1>
        <p class="hint">{lang.t("fiscal-intro")}</p>
        <table id="ranges">
            <thead><tr>
                <th>{lang.t("fiscal-doc-kind")}</th><th>"CAI"</th><th>{lang.t("sales-range")}</th><th class="num">{lang.t("fiscal-remaining")}</th><th>{lang.t("sales-deadline")}</th><th>{lang.t("sales-status")}</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {form}
    };
    module_page(erp, v, user, "nav-sales", lang.t("fiscal-title"), content).await
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    page(
        &erp,
        &v,
        &user,
        &RangeForm {
            doc_kind: "invoice".into(),
            ..RangeForm::default()
        },
        &Issues::default(),
    )
    .await
}

pub async fn create(State(erp): State<Erp>, v: Visitor, Form(f): Form<RangeForm>) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut issues = Issues::default();
    let deadline = match f.deadline.trim() {
        "" => None,
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .or_else(|| {
                issues.push(erp::FieldIssue::new(
                    "/deadline",
                    "not_a_date",
                    "not a date",
                ));
                None
            }),
    };
    let input = FiscalRangeInput {
        doc_kind: f.doc_kind.clone(),
        cai: f.cai.clone(),
        first: f.first.clone(),
        last: f.last.clone(),
        deadline,
        ..FiscalRangeInput::default()
    };
    if issues.is_empty() {
        match erp::fiscal::ranges::create(&erp.db, &user, input).await {
            Ok(_) => return Redirect::to("/fiscal-ranges").into_response(),
            Err(e) if e.kind == ErrorKind::Validation => issues
                .0
                .splice(0..0, e.fields.iter().cloned())
                .for_each(drop),
            Err(e) if e.kind == ErrorKind::Forbidden => {
                issues.push(erp::FieldIssue::new("/cai", "forbidden", e.message.clone()))
            }
            Err(e) => return unavailable(e),
        }
    }
    refused_form(page(&erp, &v, &user, &f, &issues).await)
}

pub async fn archive(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    Form(f): Form<VersionForm>,
) -> Response {
    let user = match v.posting_user(&f.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let input = FiscalRangeInput {
        archived: Some(true),
        version: Some(f.version),
        ..FiscalRangeInput::default()
    };
    match erp::fiscal::ranges::update(&erp.db, &user, id, input).await {
        Ok(_) => Redirect::to("/fiscal-ranges").into_response(),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::NotFound
            ) =>
        {
            Redirect::to("/fiscal-ranges").into_response()
        }
        Err(e) => unavailable(e),
    }
}
