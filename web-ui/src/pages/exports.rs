//! The exports page: request an export, watch its state, download the file.
//! While an export is pending the page refreshes itself (no JavaScript needed).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use erp::exports::Export;
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::csrf_field;
use super::shell::shell;
use crate::document::page;
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

fn row(lang: Lang, e: &Export) -> impl IntoView + use<> {
    let status_class = format!("status-{}", e.status);
    let download = (e.status == "done").then(|| {
        let href = format!("/exports/{}/download", e.id);
        view! { <a href=href class="download">{lang.t("exports-download")}</a> }
    });
    view! {
        <tr data-export-id=e.id.to_string()>
            <td>{crate::i18n::local_time(e.created_at)}</td>
            <td class=status_class>{lang.t(&format!("status-{}", e.status))}</td>
            <td>{e.row_count.map(|n| n.to_string()).unwrap_or_default()}</td>
            <td>{download}</td>
        </tr>
    }
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let (me, exports) = match tokio::try_join!(
        erp::companies::me(&erp.db, user.user_id),
        erp::exports::list(&erp, &user)
    ) {
        Ok(x) => x,
        Err(e) => return unavailable(e),
    };
    let lang = v.lang;
    let pending = exports
        .iter()
        .any(|e| e.status == "queued" || e.status == "running");
    let allowed = user
        .company_id
        .and_then(|c| me.role_in(c))
        .is_some_and(|r| r.can(erp::roles::Resource::Users, erp::roles::Action::Read));
    let table = if exports.is_empty() {
        view! { <p class="empty">{lang.t("exports-empty")}</p> }.into_any()
    } else {
        let rows = exports.iter().map(|e| row(lang, e)).collect_view();
        view! {
            <table id="exports">
                <thead><tr>
                    <th>{lang.t("exports-col-date")}</th><th>{lang.t("exports-col-status")}</th>
                    <th>{lang.t("exports-col-rows")}</th><th>{lang.t("exports-col-file")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let action = if allowed {
        view! {
            <form method="post" action="/exports">
                {csrf_field(&v.csrf)}
                <button type="submit" id="request-export">{lang.t("exports-request")}</button>
            </form>
        }
        .into_any()
    } else {
        view! { <p class="alert">{lang.t("exports-forbidden")}</p> }.into_any()
    };
    let content = view! {
        <h1>{lang.t("exports-title")}</h1>
        <p>{lang.t("exports-intro")}</p>
        {action}
        {table}
    };
    let title = lang.t("exports-title");
    page(
        lang,
        title,
        pending.then_some(2),
        shell(lang, &v.csrf, &me, user.company_id, "nav-exports", content),
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    pub(crate) csrf: String,
}

pub async fn request(State(erp): State<Erp>, v: Visitor, Form(form): Form<CsrfOnly>) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match erp::exports::request_users_roles(&erp, &user).await {
        Ok(_) => Redirect::to("/exports").into_response(),
        Err(e) if e.kind == ErrorKind::Forbidden => {
            (StatusCode::FORBIDDEN, v.lang.t("exports-forbidden")).into_response()
        }
        Err(e) => unavailable(e),
    }
}

pub async fn download(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    match erp::exports::read_file(&erp, &user, id).await {
        Ok(f) => super::imports::file_response(f),
        Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Conflict) => {
            super::not_found(v).await
        }
        Err(e) => unavailable(e),
    }
}
