//! Reports built in the background: the button under a report asks for a
//! run; the run's page follows it (reloading itself while it runs) and
//! offers the PDF and the CSV when it is done; the notifications page lists
//! what the person was told.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use erp::reports::runs::{self, ReportRun};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::reports::{ReportQuery, build};
use super::{csrf_field, module_page, refreshing_page};
use crate::form::Form;
use crate::i18n::{Lang, local_time};
use crate::request::{SignedIn, Visitor, unavailable};

/// The reports as the worker builds them: the same tables as the pages.
pub struct Builder;

#[async_trait::async_trait]
impl erp::reports::Builder for Builder {
    async fn build(
        &self,
        erp: &Erp,
        user: &erp::SessionUser,
        kind: &str,
        query: &serde_json::Value,
        lang: &str,
    ) -> erp::Result<erp::reports::Files> {
        let lang = Lang::parse(lang).unwrap_or(Lang::DEFAULT);
        let q: ReportQuery = serde_json::from_value(query.clone())
            .map_err(|e| erp::Error::validation("bad_report_query", "/query", e.to_string()))?;
        let built = build(erp, user, lang, kind, &q).await?;
        Ok(erp::reports::Files {
            title: built.table.title.clone(),
            pdf: built.table.pdf()?,
            csv: built.table.csv()?,
            stem: built.stem,
        })
    }
}

/// The "build in the background" form under a report, with the filters it
/// was shown with.
pub fn run_form(lang: Lang, csrf: &str, kind: &str, q: &ReportQuery) -> AnyView {
    let hidden = |name: &'static str, value: Option<String>| {
        value.map(|v| view! { <input type="hidden" name=name value=v/> })
    };
    view! {
        <form method="post" action="/reports/runs" class="inline run-report">
            {csrf_field(csrf)}
            <input type="hidden" name="kind" value=kind.to_owned()/>
            {hidden("period", q.period.clone())}
            {hidden("companies", q.companies.clone())}
            {hidden("as_of", q.as_of.map(|d| d.to_string()))}
            {hidden("party_id", q.party_id.map(|d| d.to_string()))}
            {hidden("from", q.from.map(|d| d.to_string()))}
            {hidden("to", q.to.map(|d| d.to_string()))}
            <button type="submit" id="run-report">{lang.t("report-run")}</button>
            <small>{lang.t("report-run-hint")}</small>
        </form>
    }
    .into_any()
}

#[derive(Deserialize)]
pub struct RunForm {
    csrf: String,
    kind: String,
    #[serde(flatten)]
    query: ReportQuery,
}

pub async fn request(State(erp): State<Erp>, v: Visitor, Form(form): Form<RunForm>) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let query = serde_json::to_value(&form.query).unwrap_or_default();
    match runs::request(&erp, &user, &form.kind, query, v.lang.tag()).await {
        Ok(run) => Redirect::to(&format!("/reports/runs/{}", run.id)).into_response(),
        Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::Validation) => {
            (StatusCode::UNPROCESSABLE_ENTITY, e.message).into_response()
        }
        Err(e) => unavailable(e),
    }
}

fn status_text(lang: Lang, run: &ReportRun) -> String {
    lang.t(&format!("report-run-{}", run.status))
}

pub async fn show(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let run = match runs::get(&erp, &user, id).await {
        Ok(run) => run,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    };
    let lang = v.lang;
    let link = format!("/reports/runs/{id}");
    if run.status == "done"
        && let Err(e) = erp::reports::notifications::read(&erp, user.user_id, &link).await
    {
        log::warn!("marking the notification of {link} read: {e}");
    }
    let title = run
        .title
        .clone()
        .unwrap_or_else(|| lang.t(&format!("report-{}", run.kind)));
    let busy = matches!(run.status.as_str(), "queued" | "running");
    let files = (run.status == "done").then(|| {
        view! {
            <p class="files">
                <a href=format!("{link}/pdf") id="run-pdf" target="_blank">{lang.t("report-pdf")}</a>
                <a href=format!("{link}/csv") id="run-csv">{lang.t("report-csv")}</a>
            </p>
            <p class="muted">{lang.t_args("report-run-kept", &[("date", run.expires_at.map(local_time).unwrap_or_default())])}</p>
        }
    });
    let error = run
        .error
        .clone()
        .map(|e| view! { <p class="alert" id="run-error">{e}</p> });
    let content = view! {
        <h1>{title.clone()}</h1>
        <p id="run-status" class=format!("status-{}", run.status)>{status_text(lang, &run)}</p>
        <progress id="run-progress" max="100" value=run.progress.to_string()>{format!("{} %", run.progress)}</progress>
        {busy.then(|| view! { <p class="muted">{lang.t("report-run-wait")}</p> })}
        {files}
        {error}
        <p><a href="/reports/runs">{lang.t("report-runs-title")}</a></p>
    };
    refreshing_page(
        &erp,
        &v,
        &user,
        "nav-reports",
        title,
        busy.then_some(2),
        content,
    )
    .await
}

pub async fn file(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path((id, ext)): Path<(Uuid, String)>,
) -> Response {
    match runs::read_file(&erp, &user, id, &ext).await {
        // The PDF opens in the browser; the CSV is saved.
        Ok(f) if ext == "pdf" => (
            [
                (axum::http::header::CONTENT_TYPE, f.content_type.to_owned()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}\"", f.file_name),
                ),
            ],
            f.bytes,
        )
            .into_response(),
        Ok(f) => super::imports::file_response(f),
        Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Conflict) => {
            super::not_found(v).await
        }
        Err(e) => unavailable(e),
    }
}

pub async fn list(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let runs = match runs::list(&erp, &user).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    let lang = v.lang;
    let busy = runs
        .iter()
        .any(|r| matches!(r.status.as_str(), "queued" | "running"));
    let rows = runs
        .iter()
        .map(|r| {
            let title = r
                .title
                .clone()
                .unwrap_or_else(|| lang.t(&format!("report-{}", r.kind)));
            view! {
                <tr>
                    <td><a href=format!("/reports/runs/{}", r.id)>{title}</a></td>
                    <td>{local_time(r.created_at)}</td>
                    <td class=format!("status-{}", r.status)>{status_text(lang, r)}</td>
                </tr>
            }
        })
        .collect_view();
    let content = view! {
        <h1>{lang.t("report-runs-title")}</h1>
        <table id="runs"><tbody>{rows}</tbody></table>
    };
    refreshing_page(
        &erp,
        &v,
        &user,
        "nav-reports",
        lang.t("report-runs-title"),
        busy.then_some(3),
        content,
    )
    .await
}

pub async fn notifications(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let list = match erp::reports::notifications::list(&erp, user.user_id).await {
        Ok(l) => l,
        Err(e) => return unavailable(e),
    };
    let lang = v.lang;
    let items = if list.is_empty() {
        view! { <p class="empty">{lang.t("notifications-none")}</p> }.into_any()
    } else {
        let items = list
            .iter()
            .map(|n| {
                view! {
                    <li class:unread=n.read_at.is_none()>
                        <a href=n.link.clone()>{n.message.clone()}</a>
                        <small>{local_time(n.created_at)}</small>
                    </li>
                }
            })
            .collect_view();
        view! { <ul id="notification-list" class="notifications">{items}</ul> }.into_any()
    };
    let content = view! { <h1>{lang.t("notifications-title")}</h1>{items} };
    module_page(
        &erp,
        &v,
        &user,
        "nav-home",
        lang.t("notifications-title"),
        content,
    )
    .await
}
