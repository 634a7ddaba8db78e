//! CSV import and export of the party and product lists. Importing is two
//! steps: upload (every row checked, the preview lists each bad row with its
//! line and column in the visitor's language), then confirm; the worker
//! writes the rows while this page shows the progress, reloading itself.
//! Exporting downloads the list as it is filtered and sorted on screen.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use erp::exports::ExportFile;
use erp::imports::{Import, Kind};
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use uuid::Uuid;

use super::exports::CsrfOnly;
use super::fields::{issue_text, label_text};
use super::{csrf_field, csrf_rejected, module_page, refreshing_page};
use crate::form::Form;
use crate::i18n::Lang;
use crate::request::{SignedIn, Visitor, unavailable};

/// A file for the browser to save.
pub fn file_response(f: ExportFile) -> Response {
    let headers = [
        (header::CONTENT_TYPE, f.content_type.to_owned()),
        (header::CONTENT_DISPOSITION, f.attachment()),
    ];
    (headers, f.bytes).into_response()
}

/// Why an import or export was refused, as the visitor reads it.
pub(crate) async fn refused(v: Visitor, e: erp::Error) -> Response {
    match e.kind {
        ErrorKind::Forbidden => {
            (StatusCode::FORBIDDEN, v.lang.t("import-forbidden")).into_response()
        }
        ErrorKind::NotFound => super::not_found(v).await,
        ErrorKind::Validation => {
            (StatusCode::BAD_REQUEST, v.lang.t("form-invalid")).into_response()
        }
        _ => unavailable(e),
    }
}

fn list_path(kind: Kind) -> &'static str {
    match kind {
        Kind::Parties => "/parties",
        Kind::Products => "/products",
    }
}

fn nav(kind: Kind) -> &'static str {
    match kind {
        Kind::Parties => "nav-parties",
        Kind::Products => "nav-products",
    }
}

fn title(lang: Lang, kind: Kind) -> String {
    lang.t(match kind {
        Kind::Parties => "import-parties-title",
        Kind::Products => "import-products-title",
    })
}

fn import_href(kind: Kind, id: Uuid) -> String {
    format!("/imports/{}/{id}", kind.as_str())
}

/// The upload form, the expected columns and the latest imports.
pub async fn show_form(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(kind): Path<Kind>,
) -> Response {
    let recent = match erp::imports::list(&erp, &user, kind).await {
        Ok(r) => r,
        Err(e) => return refused(v, e).await,
    };
    upload_page(&erp, &v, &user, kind, recent, None).await
}

async fn upload_page(
    erp: &Erp,
    v: &Visitor,
    user: &erp::SessionUser,
    kind: Kind,
    recent: Vec<Import>,
    problem: Option<String>,
) -> Response {
    let lang = v.lang;
    let columns = kind
        .columns()
        .iter()
        .map(|(name, _)| view! { <li><code>{*name}</code>" — "{label_text(lang, name)}</li> })
        .collect_view();
    let rows = recent
        .iter()
        .map(|i| {
            view! {
                <tr>
                    <td><a href=import_href(kind, i.id)>{i.file_name.clone()}</a></td>
                    <td>{crate::i18n::local_time(i.created_at)}</td>
                    <td>{lang.t(&format!("import-status-{}", i.status))}</td>
                    <td class="num">{i.total_rows}</td>
                </tr>
            }
        })
        .collect_view();
    let action = format!("/imports/{}", kind.as_str());
    let content = view! {
        <div class="page-head">
            <h1>{title(lang, kind)}</h1>
            <a href=list_path(kind)>{lang.t("import-back")}</a>
        </div>
        {problem.map(|p| view! { <p class="alert" role="alert">{p}</p> })}
        <form method="post" action=action enctype="multipart/form-data" class="upload">
            {csrf_field(&v.csrf)}
            <label for="file">{lang.t("import-file")}</label>
            <input type="file" id="file" name="file" accept=".csv,text/csv" required autofocus/>
            <button type="submit" id="upload">{lang.t("import-check")}</button>
        </form>
        <p>{lang.t("import-intro")}</p>
        <ul class="columns">{columns}</ul>
        {(!recent.is_empty()).then(|| view! {
            <h2>{lang.t("import-recent")}</h2>
            <table id="imports">
                <thead><tr>
                    <th>{lang.t("import-col-file")}</th><th>{lang.t("exports-col-date")}</th>
                    <th>{lang.t("exports-col-status")}</th><th class="num">{lang.t("import-col-rows")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        })}
    };
    module_page(erp, v, user, nav(kind), title(lang, kind), content).await
}

/// Receive the file: check it and show the preview (nothing written yet).
pub async fn upload(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(kind): Path<Kind>,
    mut form: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) if name == crate::csrf::FIELD => {
                        csrf = String::from_utf8_lossy(&bytes).into_owned();
                    }
                    Ok(bytes) if name == "file" => file = Some((file_name, bytes.to_vec())),
                    Ok(_) => {}
                    Err(e) => return too_large_or_bad(&v, e.status()),
                }
            }
            Ok(None) => break,
            Err(e) => return too_large_or_bad(&v, e.status()),
        }
    }
    if !crate::csrf::verify(&v.session, &csrf).await {
        return csrf_rejected(&v);
    }
    let lang = v.lang;
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let recent = erp::imports::list(&erp, &user, kind)
            .await
            .unwrap_or_default();
        return upload_page(
            &erp,
            &v,
            &user,
            kind,
            recent,
            Some(lang.t("import-no-file")),
        )
        .await;
    };
    match erp::imports::preview(&erp, &user, kind, &file_name, &bytes).await {
        Ok(import) => Redirect::to(&import_href(kind, import.id)).into_response(),
        Err(e) if e.kind == ErrorKind::Validation => {
            // The file as a whole is wrong (columns, size): say what, in words.
            let text = e
                .fields
                .iter()
                .map(|i| {
                    let column = i.pointer.rsplit('/').next().unwrap_or_default();
                    format!("{} ({column})", issue_text(lang, i.code, &i.message))
                })
                .collect::<Vec<_>>()
                .join(" · ");
            let text = if text.is_empty() {
                issue_text(lang, e.code, &e.message)
            } else {
                text
            };
            let recent = erp::imports::list(&erp, &user, kind)
                .await
                .unwrap_or_default();
            upload_page(&erp, &v, &user, kind, recent, Some(text)).await
        }
        Err(e) => refused(v, e).await,
    }
}

fn too_large_or_bad(v: &Visitor, status: StatusCode) -> Response {
    let key = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "field-file-too-large"
    } else {
        "form-invalid"
    };
    (status, v.lang.t(key)).into_response()
}

/// The preview of an uploaded file, or the progress and outcome once started.
pub async fn show(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path((kind, id)): Path<(Kind, Uuid)>,
) -> Response {
    let import = match erp::imports::get(&erp, &user, kind, id).await {
        Ok(i) => i,
        Err(e) => return refused(v, e).await,
    };
    let lang = v.lang;
    let pending = matches!(import.status.as_str(), "queued" | "running");
    let bad_rows = import.total_rows - import.valid_rows;
    let summary = lang.t_args(
        "import-summary",
        &[
            ("total", import.total_rows.to_string()),
            ("valid", import.valid_rows.to_string()),
            ("bad", bad_rows.to_string()),
        ],
    );
    let state = match import.status.as_str() {
        "preview" if import.valid_rows > 0 => {
            let action = format!("{}/start", import_href(kind, id));
            let label = lang.t_with("import-start", "valid", import.valid_rows.to_string());
            view! {
                <form method="post" action=action>
                    {csrf_field(&v.csrf)}
                    <button type="submit" id="start-import">{label}</button>
                </form>
            }
            .into_any()
        }
        "preview" => view! { <p class="alert">{lang.t("import-nothing")}</p> }.into_any(),
        "expired" => view! { <p class="alert" id="import-expired">{lang.t("import-expired")}</p> }.into_any(),
        "queued" | "running" => view! {
            <p>{lang.t("import-running")}</p>
            <progress id="import-progress" max=import.valid_rows value=import.processed_rows>
                {format!("{} / {}", import.processed_rows, import.valid_rows)}
            </progress>
            <span>{format!(" {} / {}", import.processed_rows, import.valid_rows)}</span>
        }
        .into_any(),
        "done" => {
            let text = lang.t_args(
                "import-done",
                &[
                    ("created", import.created_rows.to_string()),
                    ("updated", import.updated_rows.to_string()),
                    ("unchanged", import.unchanged_rows.to_string()),
                ],
            );
            view! { <p class="notice" id="import-done" role="status">{text}</p> }.into_any()
        }
        _ => view! {
            <p class="alert" role="alert">{lang.t("import-failed")}" "{import.error.clone().unwrap_or_default()}</p>
        }
        .into_any(),
    };
    let issues = import
        .issues
        .iter()
        .map(|i| {
            let column = if i.column.is_empty() {
                String::new()
            } else {
                label_text(lang, &i.column)
            };
            view! {
                <tr>
                    <td class="num">{i.line}</td>
                    <td>{column}</td>
                    <td>{issue_text(lang, &i.code, &i.message)}</td>
                </tr>
            }
        })
        .collect_view();
    let more = (import.issue_count as usize > import.issues.len()).then(|| {
        let text = lang.t_with(
            "import-more-issues",
            "count",
            import.issue_count.to_string(),
        );
        view! { <p>{text}</p> }
    });
    let content = view! {
        <div class="page-head">
            <h1>{title(lang, kind)}": "{import.file_name.clone()}</h1>
            <a href=list_path(kind)>{lang.t("import-back")}</a>
        </div>
        <p id="import-summary">{summary}</p>
        {state}
        {(!import.issues.is_empty()).then(|| view! {
            <h2>{lang.t("import-issues")}</h2>
            <table id="import-issues">
                <thead><tr>
                    <th class="num">{lang.t("import-col-line")}</th>
                    <th>{lang.t("import-col-column")}</th>
                    <th>{lang.t("import-col-problem")}</th>
                </tr></thead>
                <tbody>{issues}</tbody>
            </table>
            {more}
        })}
    };
    refreshing_page(
        &erp,
        &v,
        &user,
        nav(kind),
        title(lang, kind),
        pending.then_some(2),
        content,
    )
    .await
}

pub async fn start(
    State(erp): State<Erp>,
    v: Visitor,
    Path((kind, id)): Path<(Kind, Uuid)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match erp::imports::start(&erp, &user, kind, id).await {
        // Started twice (a double click): the page shows where it is.
        Ok(_) => Redirect::to(&import_href(kind, id)).into_response(),
        Err(e) if e.kind == ErrorKind::Conflict => {
            Redirect::to(&import_href(kind, id)).into_response()
        }
        Err(e) => refused(v, e).await,
    }
}
