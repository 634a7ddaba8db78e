//! Background work for group admins: the job queue at a glance (workers,
//! waiting, running, scheduled, dead), the jobs running and due later, the
//! dead ones with retry and discard, and the periodic tasks.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;

use super::csrf_field;
use super::exports::CsrfOnly;
use super::shell::shell;
use crate::document::page;
use crate::form::Form;
use crate::i18n::{Lang, local_time};
use crate::request::{SignedIn, Visitor, unavailable};

/// Rows per list on the page.
const LIST: usize = 50;

fn queue(erp: &Erp) -> jobs::Queue {
    jobs::Queue::on(erp.kv.pool.clone())
}

/// A job type's name for people; a type without one shows as it is.
fn type_name(lang: Lang, kind: &str) -> String {
    lang.t_opt(&format!("job-type-{kind}"))
        .unwrap_or_else(|| kind.to_owned())
}

fn job_rows(lang: Lang, rows: &[jobs::queue::JobRow]) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="empty">{lang.t("jobs-none")}</p> }.into_any();
    }
    let rows = rows
        .iter()
        .map(|r| {
            view! {
                <tr data-job-id=r.id.clone()>
                    <td>{type_name(lang, &r.kind)}</td>
                    <td>{format!("{} / {}", r.attempts, r.max_attempts)}</td>
                    <td>{local_time(r.at)}</td>
                    <td>{r.worker.clone().unwrap_or_default()}</td>
                    <td class="error">{r.error.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table>
            <thead><tr>
                <th>{lang.t("jobs-col-type")}</th><th>{lang.t("jobs-col-attempts")}</th>
                <th>{lang.t("jobs-col-at")}</th><th>{lang.t("jobs-col-worker")}</th>
                <th>{lang.t("jobs-col-error")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn dead_rows(lang: Lang, csrf: &str, dead: &[jobs::queue::DeadJob]) -> AnyView {
    if dead.is_empty() {
        return view! { <p class="empty" id="no-dead-jobs">{lang.t("jobs-no-dead")}</p> }
            .into_any();
    }
    let rows = dead
        .iter()
        .map(|d| {
            let retry = format!("/jobs/dead/{}/retry", d.id);
            let discard = format!("/jobs/dead/{}/discard", d.id);
            view! {
                <tr data-dead-job=d.id.clone()>
                    <td>{type_name(lang, &d.kind)}</td>
                    <td>{d.attempts}</td>
                    <td>{local_time(d.died_at)}</td>
                    <td class="error">{d.error.clone()}</td>
                    <td><code>{d.args.clone()}</code></td>
                    <td class="actions">
                        <form method="post" action=retry>
                            {csrf_field(csrf)}
                            <button type="submit" class="retry">{lang.t("jobs-retry")}</button>
                        </form>
                        <form method="post" action=discard>
                            {csrf_field(csrf)}
                            <button type="submit" class="link discard">{lang.t("jobs-discard")}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="dead-jobs">
            <thead><tr>
                <th>{lang.t("jobs-col-type")}</th><th>{lang.t("jobs-col-attempts")}</th>
                <th>{lang.t("jobs-col-died")}</th><th>{lang.t("jobs-col-error")}</th>
                <th>{lang.t("jobs-col-args")}</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

pub async fn show(State(erp): State<Erp>, SignedIn(v, user): SignedIn) -> Response {
    let me = match erp::companies::me(&erp.db, user.user_id).await {
        Ok(me) => me,
        Err(e) => return unavailable(e),
    };
    let tasks = match erp::schedules::list(&erp.db, &user).await {
        Ok(tasks) => tasks,
        Err(e) if e.kind == ErrorKind::Forbidden => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    };
    let q = queue(&erp);
    let (depth, running, scheduled, dead) =
        match tokio::try_join!(q.depth(), q.running(LIST), q.scheduled(LIST), q.dead(LIST)) {
            Ok(x) => x,
            Err(e) => return unavailable(erp::Error::internal(e)),
        };
    let lang = v.lang;
    let figure = |id: &'static str, key: &str, n: u64| {
        view! { <div class="figure" id=id><strong>{n}</strong><span>{lang.t(key)}</span></div> }
    };
    let tasks = tasks
        .iter()
        .map(|t| {
            let state = lang.t(if t.enabled { "jobs-task-on" } else { "jobs-task-off" });
            view! { <tr><td>{t.name.clone()}</td><td><code>{t.cron.clone()}</code></td><td>{state}</td></tr> }
        })
        .collect_view();
    let content = view! {
        <h1>{lang.t("jobs-title")}</h1>
        <p>{lang.t("jobs-intro")}</p>
        <div class="figures">
            {figure("jobs-workers", "jobs-workers", depth.workers)}
            {figure("jobs-waiting", "jobs-waiting", depth.waiting)}
            {figure("jobs-running", "jobs-running", depth.running)}
            {figure("jobs-scheduled", "jobs-scheduled", depth.scheduled)}
            {figure("jobs-dead", "jobs-dead", depth.dead)}
        </div>
        <h2>{lang.t("jobs-dead-title")}</h2>
        <p>{lang.t("jobs-dead-intro")}</p>
        {dead_rows(lang, &v.csrf, &dead)}
        <h2>{lang.t("jobs-running-title")}</h2>
        {job_rows(lang, &running)}
        <h2>{lang.t("jobs-scheduled-title")}</h2>
        {job_rows(lang, &scheduled)}
        <h2>{lang.t("jobs-tasks-title")}</h2>
        <table id="periodic-tasks">
            <thead><tr>
                <th>{lang.t("jobs-col-task")}</th><th>{lang.t("jobs-col-cron")}</th><th>{lang.t("jobs-col-state")}</th>
            </tr></thead>
            <tbody>{tasks}</tbody>
        </table>
    };
    let title = lang.t("jobs-title");
    // While work is in flight the figures move: refresh like the exports page.
    let busy = depth.running + depth.waiting > 0;
    page(
        lang,
        title,
        busy.then_some(5),
        shell(lang, &v.csrf, &me, user.company_id, "nav-jobs", content),
    )
    .into_response()
}

async fn decide(erp: Erp, v: Visitor, id: String, csrf: String, retry: bool) -> Response {
    let user = match v.posting_user(&csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match erp::schedules::require_manager(&erp.db, &user).await {
        Ok(()) => {}
        Err(e) if e.kind == ErrorKind::Forbidden => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    }
    let who = format!("user {}", user.user_id);
    match queue(&erp).settle_dead(&id, retry, &who).await {
        // false: already retried or discarded (two admins, or a second click).
        Ok(_) => Redirect::to("/jobs").into_response(),
        Err(e) => unavailable(erp::Error::internal(e)),
    }
}

pub async fn retry(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    decide(erp, v, id, form.csrf, true).await
}

pub async fn discard(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    decide(erp, v, id, form.csrf, false).await
}
