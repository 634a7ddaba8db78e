//! One module per page; `shell` is the frame around pages after login.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod branches;
pub mod categories;
pub mod company;
pub mod exports;
mod fields;
pub mod fiscal;
pub mod home;
pub mod imports;
pub mod jobs;
pub mod journal;
pub mod landed_cost_form;
pub mod language;
pub mod ledger_accounts;
mod list;
pub mod locations;
pub mod login;
pub mod parties;
pub mod payments;
pub mod products;
pub mod purchase_forms;
pub mod purchase_receipt_form;
pub mod purchases;
pub mod records;
pub mod report_runs;
pub mod reports;
pub mod sales;
pub mod sales_print;
pub mod search;
pub mod security;
mod shell;
pub mod stock;
pub mod stock_forms;
pub mod stock_reports;
pub mod users;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

use crate::document::page;
use crate::i18n::Lang;
use crate::request::Visitor;

/// The hidden CSRF field every state-changing form carries.
pub fn csrf_field(token: &str) -> impl IntoView + use<> {
    view! { <input type="hidden" name=crate::csrf::FIELD value=token.to_owned()/> }
}

/// 403 for a form whose CSRF token does not match the session's.
pub fn csrf_rejected(v: &Visitor) -> Response {
    let msg = v.lang.t("csrf-invalid");
    (
        StatusCode::FORBIDDEN,
        page(
            v.lang,
            msg.clone(),
            None,
            view! { <main><p class="alert">{msg}</p><a href="/">"↩"</a></main> },
        ),
    )
        .into_response()
}

pub async fn not_found(v: Visitor) -> Response {
    let title = v.lang.t("not-found");
    (
        StatusCode::NOT_FOUND,
        page(
            v.lang,
            title.clone(),
            None,
            view! { <main><h1>{title}</h1><a href="/">"↩"</a></main> },
        ),
    )
        .into_response()
}

/// An address asked for with a method it does not take. The address bar
/// keeps a form's target after the form came back refused (`/purchases/
/// orders`, `/sales/{id}/post`); opened again as a page, it leads to the
/// page the action belongs to, the address above it. A form sent to a page
/// that takes none leads to that page. Either way a page, not an empty 405.
pub async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let to = if matches!(method, axum::http::Method::GET | axum::http::Method::HEAD) {
        match path.trim_end_matches('/').rsplit_once('/') {
            Some((parent, _)) if !parent.is_empty() => parent,
            _ => "/",
        }
    } else {
        path
    };
    axum::response::Redirect::to(to).into_response()
}

/// A page inside the application frame for a logged-in user.
/// The links between the pages of one module (`links`: href and message
/// id), the current one marked; `label` names the navigation.
pub fn tab_nav(
    lang: Lang,
    label: &str,
    links: Vec<(&'static str, &'static str)>,
    current: &str,
) -> impl IntoView + use<> {
    let items = links
        .into_iter()
        .map(|(href, key)| {
            let here = href == current;
            view! { <a href=href class:current=here aria-current=here.then_some("page")>{lang.t(key)}</a> }
        })
        .collect_view();
    view! { <nav class="tabs" aria-label=lang.t(label)>{items}</nav> }
}

pub async fn module_page(
    erp: &erp::Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    nav: &str,
    title: String,
    content: impl IntoView + 'static,
) -> Response {
    refreshing_page(erp, v, user, nav, title, None, content).await
}

/// [`module_page`] that reloads itself every `refresh_secs` (progress
/// shown without JavaScript).
pub async fn refreshing_page(
    erp: &erp::Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    nav: &str,
    title: String,
    refresh_secs: Option<u32>,
    content: impl IntoView + 'static,
) -> Response {
    match erp::companies::me(&erp.db, user.user_id).await {
        Ok(me) => page(
            v.lang,
            title,
            refresh_secs,
            shell::shell(v.lang, &v.csrf, &me, user.company_id, nav, content),
        )
        .into_response(),
        Err(e) => crate::request::unavailable(e),
    }
}

/// The user's role in the active company, asked once per page; every button
/// the page shows or leaves out is decided from it (the domain refuses what
/// the role may not do regardless).
#[derive(Clone, Copy)]
pub struct PageRole(pub Option<erp::roles::Role>);

impl PageRole {
    pub async fn of(erp: &erp::Erp, user: &erp::SessionUser) -> PageRole {
        match user.company_id {
            Some(company) => PageRole(
                erp::companies::role_in(&erp.db, user.user_id, company)
                    .await
                    .ok(),
            ),
            None => PageRole(None),
        }
    }

    pub fn can(self, resource: erp::roles::Resource, action: erp::roles::Action) -> bool {
        self.0.is_some_and(|role| role.can(resource, action))
    }
}

/// Whether the user's role in the active company allows one action (pages
/// that decide a single button).
pub async fn role_allows(
    erp: &erp::Erp,
    user: &erp::SessionUser,
    resource: erp::roles::Resource,
    action: erp::roles::Action,
) -> bool {
    PageRole::of(erp, user).await.can(resource, action)
}
