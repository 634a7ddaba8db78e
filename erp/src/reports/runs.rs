//! One background run of a report: asked for, claimed by a worker, finished
//! (files written, the person told) or failed. A person sees their own runs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{KINDS, ReportRequested, notifications};
use crate::access::Access;
use crate::audit;
use crate::exports::ExportFile;
use crate::jobs::Options;
use crate::mail::SendMail;
use crate::roles::{Action, Resource};
use crate::{Erp, Error, Result, SessionUser};

/// How long a finished run's files are kept.
pub const KEEP_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRun {
    pub id: Uuid,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub query: serde_json::Value,
    pub lang: String,
    /// queued, running, done or failed.
    pub status: String,
    /// 0–100.
    pub progress: i16,
    pub title: Option<String>,
    pub file_stem: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, kind, query, lang, status, progress, title, file_stem, error, created_at, finished_at, expires_at"
    };
}

/// Who may read a report decides who may run it.
fn resource(kind: &str) -> Result<Resource> {
    match kind {
        "sales-book" => Ok(Resource::Sales),
        "purchase-book" => Ok(Resource::Purchases),
        "stock-valuation" | "stock-on-hand" | "stock-units" | "unit-history" | "unit-margins" => {
            Ok(Resource::Stock)
        }
        "trial-balance" => Ok(Resource::Ledger),
        "aged-receivables" | "statement" => Ok(Resource::Payments),
        _ => Err(Error::validation(
            "unknown_report",
            "/kind",
            format!("one of {}", KINDS.join(", ")),
        )),
    }
}

/// The filter a report is about, without which it cannot be built: a
/// unit's history names the unit, a statement the customer.
fn subject(kind: &str) -> Option<&'static str> {
    match kind {
        "unit-history" => Some("unit_id"),
        "statement" => Some("party_id"),
        _ => None,
    }
}

/// Ask for a run of report `kind` with `query` (its page's filters), built
/// in `lang`; its job is queued with the row.
pub async fn request(
    erp: &Erp,
    user: &SessionUser,
    kind: &str,
    query: serde_json::Value,
    lang: &str,
) -> Result<ReportRun> {
    let resource = resource(kind)?;
    if !query.is_object() {
        return Err(Error::validation(
            "not_an_object",
            "/query",
            "the report's filters, as an object",
        ));
    }
    if let Some(field) = subject(kind) {
        let named = query
            .get(field)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|v| v.parse::<Uuid>().is_ok());
        if !named {
            return Err(Error::validation(
                "required",
                &format!("/query/{field}"),
                format!("this report needs `{field}` (an id) in its query"),
            ));
        }
    }
    let lang = if lang == "en" { "en" } else { "es-HN" };
    let (access, mut tx) = Access::begin(&erp.db, user, resource, Action::Read).await?;
    let run: ReportRun = sqlx::query_as(concat!(
        "INSERT INTO report_runs (id, company_id, requested_by, kind, query, lang)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(access.company_id)
    .bind(user.user_id)
    .bind(kind)
    .bind(&query)
    .bind(lang)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            company_id: Some(access.company_id),
            user_id: Some(user.user_id),
            action: "request",
            entity: "report_run",
            entity_id: run.id.to_string(),
            detail: serde_json::json!({ "kind": kind, "query": query }),
        },
    )
    .await?;
    let mut as_user = user.clone();
    as_user.company_id = Some(access.company_id);
    as_user.locale = lang.to_owned();
    crate::jobs::enqueue(
        &mut tx,
        &ReportRequested {
            run_id: run.id,
            user: as_user,
        },
        Options::watched(),
    )
    .await?;
    tx.commit().await?;
    Ok(run)
}

/// One of the person's runs; another's (or another company's) is not found.
pub async fn get(erp: &Erp, user: &SessionUser, id: Uuid) -> Result<ReportRun> {
    let mut tx = erp.db.tenant(&user.tenant()).await?;
    let run: Option<ReportRun> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM report_runs WHERE id = $1 AND requested_by = $2"
    ))
    .bind(id)
    .bind(user.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    run.ok_or_else(|| Error::not_found("report_run_not_found"))
}

/// The person's latest runs in the active company.
pub async fn list(erp: &Erp, user: &SessionUser) -> Result<Vec<ReportRun>> {
    let mut tx = erp.db.tenant(&user.tenant()).await?;
    let runs = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM report_runs WHERE requested_by = $1 ORDER BY created_at DESC LIMIT 20"
    ))
    .bind(user.user_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(runs)
}

/// Where a run's file is in the file store (`ext`: pdf or csv).
pub fn file_key(id: Uuid, ext: &str) -> String {
    format!("reports/{id}.{ext}")
}

/// A finished run's file for download (`ext`: pdf or csv).
pub async fn read_file(erp: &Erp, user: &SessionUser, id: Uuid, ext: &str) -> Result<ExportFile> {
    if !matches!(ext, "pdf" | "csv") {
        return Err(Error::not_found("report_file_not_found"));
    }
    let run = get(erp, user, id).await?;
    if run.status != "done" || run.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(Error::conflict(
            "report_not_ready",
            "this report is not ready, or has expired",
        ));
    }
    let bytes = erp
        .files
        .get(&file_key(id, ext))
        .await?
        .ok_or_else(|| Error::not_found("report_file_not_found"))?;
    Ok(ExportFile {
        file_name: format!("{}.{ext}", run.file_stem.unwrap_or_else(|| id.to_string())),
        content_type: if ext == "pdf" {
            "application/pdf"
        } else {
            "text/csv; charset=utf-8"
        },
        bytes,
    })
}

/// The worker takes the run (again, after a lost lease); `None` when it
/// is already done or failed, so a second delivery of the job does nothing.
pub async fn claim(erp: &Erp, job: &ReportRequested) -> Result<Option<ReportRun>> {
    let mut tx = erp.db.tenant(&job.user.tenant()).await?;
    let run = sqlx::query_as(concat!(
        "UPDATE report_runs SET status = 'running', progress = 10
          WHERE id = $1 AND status IN ('queued', 'running') RETURNING ",
        columns!()
    ))
    .bind(job.run_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(run)
}

/// How far the worker is (0–100), for the run's page.
pub async fn progress(erp: &Erp, job: &ReportRequested, percent: i16) -> Result<()> {
    let mut tx = erp.db.tenant(&job.user.tenant()).await?;
    sqlx::query("UPDATE report_runs SET progress = $2 WHERE id = $1 AND status = 'running'")
        .bind(job.run_id)
        .bind(percent.clamp(0, 100))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The files are written: mark the run done, tell the person in the app
/// and by e-mail (with `link`, the run's page as the person reaches it).
pub async fn finish(
    erp: &Erp,
    job: &ReportRequested,
    title: &str,
    stem: &str,
    link: &str,
) -> Result<()> {
    let mut tx = erp.db.tenant(&job.user.tenant()).await?;
    let run: Option<ReportRun> = sqlx::query_as(concat!(
        "UPDATE report_runs SET status = 'done', progress = 100, title = $2, file_stem = $3,
                finished_at = now(), expires_at = now() + make_interval(days => $4)
          WHERE id = $1 AND status = 'running' RETURNING ",
        columns!()
    ))
    .bind(job.run_id)
    .bind(title)
    .bind(stem)
    .bind(KEEP_DAYS as i32)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(run) = run else {
        // Finished by an earlier delivery of the same job.
        tx.commit().await?;
        return Ok(());
    };
    let company_id = job.user.company_id.ok_or_else(Error::forbidden)?;
    let english = run.lang == "en";
    let message = if english {
        format!("The report \"{title}\" is ready.")
    } else {
        format!("El reporte «{title}» está listo.")
    };
    notifications::add(
        &mut tx,
        company_id,
        job.user.user_id,
        &message,
        &format!("/reports/runs/{}", run.id),
    )
    .await?;
    let (email, name): (String, String) =
        sqlx::query_as("SELECT email, display_name FROM users WHERE id = $1")
            .bind(job.user.user_id)
            .fetch_one(&mut *tx)
            .await?;
    let company: String = sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
        .bind(company_id)
        .fetch_one(&mut *tx)
        .await?;
    crate::mail::enqueue(
        &mut tx,
        &SendMail {
            mail_id: Uuid::now_v7(),
            company_id,
            to: email,
            template: "report_ready".to_owned(),
            lang: run.lang.clone(),
            vars: serde_json::json!({
                "name": name,
                "report": title,
                "company": company,
                "period": describe(&run.query),
                "link": link,
                "keep_days": KEEP_DAYS,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The run could not be built: the reason is on its page.
pub async fn fail(erp: &Erp, job: &ReportRequested, error: &str) -> Result<()> {
    let mut tx = erp.db.tenant(&job.user.tenant()).await?;
    sqlx::query(
        "UPDATE report_runs SET status = 'failed', error = $2, finished_at = now()
          WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(job.run_id)
    .bind(error)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The period a run covers, in words for the e-mail.
fn describe(query: &serde_json::Value) -> String {
    let field = |k: &str| query.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match (field("period"), field("as_of"), field("from"), field("to")) {
        (Some(p), ..) => p,
        (None, Some(d), ..) => d,
        (None, None, Some(f), Some(t)) => format!("{f} – {t}"),
        _ => String::new(),
    }
}
