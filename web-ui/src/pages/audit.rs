//! The audit trail of the active company: who changed what and when, newest
//! first, filtered by kind of record, with each change shown as the fields
//! that differ between before and after.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::audit::{AuditQuery, Record};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde_json::Value;

use super::fields::{Issues, label_text, select};
use super::list::ListLinks;
use super::module_page;
use crate::i18n::Lang;
use crate::request::{SignedIn, unavailable};

/// Record kinds the filter offers (what master data writes today).
const ENTITIES: [&str; 13] = [
    "party",
    "product",
    "category",
    "serial",
    "account",
    "tax_code",
    "branch",
    "warehouse",
    "company",
    "membership",
    "import",
    "export",
    "periodic_task",
];

/// Bookkeeping fields every change touches; listing them says nothing.
const QUIET: [&str; 3] = ["version", "updated_at", "name_key"];

fn show_value(lang: Lang, key: &str, v: &Value) -> String {
    match v {
        Value::String(role) if key == "role" => lang
            .t_opt(&format!("role-{role}"))
            .unwrap_or_else(|| role.clone()),
        Value::Bool(b) => lang.t(if *b { "value-yes" } else { "value-no" }),
        Value::Null => "∅".to_owned(),
        Value::String(s) if s.is_empty() => "«»".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "field: before → after" for each field that differs; a created record
/// lists what it was created with.
fn changes(lang: Lang, detail: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let before = detail["before"].as_object().unwrap_or(&empty);
    let after = detail["after"].as_object().unwrap_or(&empty);
    let mut out = Vec::new();
    for (key, new) in after {
        // Ids and timestamps say nothing to a reader (the row has the time).
        let noise =
            key == "id" || key.ends_with("_id") || (key.ends_with("_at") && key != "archived_at");
        if QUIET.contains(&key.as_str()) || noise {
            continue;
        }
        match before.get(key) {
            Some(old) if old == new => {}
            Some(old) => out.push(format!(
                "{}: {} → {}",
                label_text(lang, key),
                show_value(lang, key, old),
                show_value(lang, key, new)
            )),
            None if !new.is_null() && new != &Value::String(String::new()) => out.push(format!(
                "{}: {}",
                label_text(lang, key),
                show_value(lang, key, new)
            )),
            None => {}
        }
    }
    if out.is_empty() && after.is_empty() {
        // Entries that are not before/after pairs (requests, sign-ins).
        if let Some(map) = detail.as_object() {
            out.extend(
                map.iter()
                    .map(|(k, v)| format!("{}: {}", label_text(lang, k), show_value(lang, k, v))),
            );
        }
    }
    out
}

fn row(lang: Lang, r: &Record) -> impl IntoView + use<> {
    let what = lang
        .t_opt(&format!("audit-entity-{}", r.entity.replace('_', "-")))
        .unwrap_or_else(|| r.entity.clone());
    let action = lang
        .t_opt(&format!("audit-action-{}", r.action))
        .unwrap_or_else(|| r.action.clone());
    // Which record: its name as it was after the change (or before, if gone).
    let title = ["display_name", "name", "sku", "serial", "code", "file_name"]
        .iter()
        .find_map(|k| {
            r.detail["after"][k]
                .as_str()
                .or_else(|| r.detail["before"][k].as_str())
        })
        .map(str::to_owned);
    let changes = changes(lang, &r.detail)
        .into_iter()
        .map(|c| view! { <li>{c}</li> })
        .collect_view();
    view! {
        <tr>
            <td>{crate::i18n::local_time(r.at)}</td>
            <td>{r.user_name.clone().unwrap_or_else(|| lang.t("audit-system"))}</td>
            <td>{action}</td>
            <td>{what}{title.map(|t| view! { <br/><small>{t}</small> })}</td>
            <td><ul class="changes">{changes}</ul></td>
        </tr>
    }
}

pub async fn show(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Query(q): Query<AuditQuery>,
) -> Response {
    let lang = v.lang;
    let page = match erp::audit::list(&erp.db, &user, q.clone()).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::Validation => return Redirect::to("/audit").into_response(),
        Err(e) if e.kind == ErrorKind::Forbidden => {
            let content = view! { <h1>{lang.t("audit-title")}</h1><p class="alert">{lang.t("record-forbidden")}</p> };
            return module_page(&erp, &v, &user, "nav-audit", lang.t("audit-title"), content).await;
        }
        Err(e) => return unavailable(e),
    };
    let links = ListLinks::new("/audit", &[("entity", q.entity.clone())], None);
    let mut choices = vec![(String::new(), lang.t("audit-all"))];
    choices.extend(ENTITIES.iter().map(|e| {
        (
            e.to_string(),
            lang.t(&format!("audit-entity-{}", e.replace('_', "-"))),
        )
    }));
    let table = if page.items.is_empty() {
        view! { <p class="empty">{lang.t("audit-empty")}</p> }.into_any()
    } else {
        let rows = page.items.iter().map(|r| row(lang, r)).collect_view();
        view! {
            <table id="audit">
                <thead><tr>
                    <th>{lang.t("audit-col-when")}</th><th>{lang.t("audit-col-who")}</th>
                    <th>{lang.t("audit-col-action")}</th><th>{lang.t("audit-col-record")}</th>
                    <th>{lang.t("audit-col-changes")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let content = view! {
        <h1>{lang.t("audit-title")}</h1>
        <form method="get" action="/audit" class="filters">
            {select(lang, &Issues::default(), "entity", q.entity.as_deref().unwrap_or(""), choices)}
            <button type="submit">{lang.t("list-filter")}</button>
        </form>
        {table}
        {links.pager(lang, page.next_cursor.as_deref(), q.cursor.is_some())}
    };
    module_page(&erp, &v, &user, "nav-audit", lang.t("audit-title"), content).await
}
