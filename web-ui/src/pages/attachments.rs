//! Attachments on a party's, product's or sales document's page: the files
//! with their thumbnails, the upload form, and the handlers behind them. An
//! upload or a removal goes back to the record's page; a refused file comes
//! back there with the reason, in the visitor's language.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use erp::attachments::{self, Attachment, OwnerKind, Refusal, checks};
use erp::roles::Action;
use erp::{Erp, ErrorKind, SessionUser};
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::{csrf_field, csrf_rejected};
use crate::i18n::Lang;
use crate::islands::FilePicker;
use crate::request::{SignedIn, Visitor, unavailable};

/// The session key of a refusal waiting to be shown on its record's page.
const REFUSED: &str = "attachment_refused";

/// How long the thumbnail address waits for a thumbnail being made.
const THUMBNAIL_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The record's page, where the attachments are shown.
fn owner_page(kind: OwnerKind, id: Uuid) -> String {
    match kind {
        OwnerKind::Party => format!("/parties/{id}#attachments"),
        OwnerKind::Product => format!("/products/{id}#attachments"),
        OwnerKind::SalesDocument => format!("/sales/{id}#attachments"),
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// Why a file was refused, in words, naming it.
fn refusal_text(lang: Lang, file_name: &str, r: &Refusal) -> String {
    let mut args = r.args();
    args.push(("file", file_name.to_owned()));
    let key = match r {
        Refusal::Mismatch { found: None, .. } => "attach-file_type_mismatch-unknown".to_owned(),
        _ => format!("attach-{}", r.code()),
    };
    lang.t_args(&key, &args)
}

/// The attachments section of a record's page.
pub async fn section(
    erp: &Erp,
    v: &Visitor,
    user: &SessionUser,
    kind: OwnerKind,
    owner_id: Uuid,
) -> impl IntoView + use<> {
    let lang = v.lang;
    let files = attachments::list(erp, user, kind, owner_id)
        .await
        .unwrap_or_default();
    let may_edit = super::role_allows(erp, user, kind.resource(), Action::Update).await;
    // A refusal is shown once, on the page of the record it was for. Read
    // before removing: a removal writes the session back even when there
    // was nothing to remove, and this runs on every record's page.
    let refused = match v.session.get::<(Uuid, String)>(REFUSED).await {
        Ok(Some((id, text))) if id == owner_id => {
            let _ = v.session.remove::<(Uuid, String)>(REFUSED).await;
            Some(text)
        }
        _ => None,
    };
    let items = files
        .iter()
        .map(|a| item(lang, &v.csrf, a, may_edit))
        .collect_view();
    let empty = files
        .is_empty()
        .then(|| view! { <p class="muted">{lang.t("attach-none")}</p> });
    let form = may_edit.then(|| {
        let too_large = lang.t_args(
            "attach-file_too_large-named",
            &[
                ("file", "{name}".to_owned()),
                ("mb", "{mb}".to_owned()),
                ("max_mb", (attachments::MAX_BYTES / 1_048_576).to_string()),
            ],
        );
        view! {
            <form method="post" action="/attachments" enctype="multipart/form-data" class="upload" id="attach-form">
                {csrf_field(&v.csrf)}
                <input type="hidden" name="owner_kind" value=kind.as_str()/>
                <input type="hidden" name="owner_id" value=owner_id.to_string()/>
                <label for="attach-file">{lang.t_args("attach-add", &[
                    ("accepted", checks::accepted_names()),
                    ("max_mb", (attachments::MAX_BYTES / 1_048_576).to_string()),
                ])}</label>
                <FilePicker id="attach-file".to_owned() name="file".to_owned()
                    accept=checks::accept_attribute() max_bytes=attachments::MAX_BYTES as u64
                    too_large=too_large/>
                <button type="submit" id="attach-upload">{lang.t("attach-upload")}</button>
            </form>
        }
    });
    view! {
        <section class="attachments" id="attachments">
            <h2>{lang.t("attach-title")}</h2>
            {refused.map(|text| view! { <p class="alert" role="alert" id="attach-refused">{text}</p> })}
            {empty}
            <ul class="gallery">{items}</ul>
            {form}
        </section>
    }
}

fn item(lang: Lang, csrf: &str, a: &Attachment, may_edit: bool) -> impl IntoView + use<> {
    let href = format!("/attachments/{}", a.id);
    let preview = if a.is_image() && a.thumbnail != "failed" {
        view! {
            <img src=format!("/attachments/{}/thumbnail", a.id) alt=a.file_name.clone() loading="lazy"/>
        }
        .into_any()
    } else {
        let label = if a.is_image() { "IMG" } else { "PDF" };
        view! { <span class="file-icon" aria-hidden="true">{label}</span> }.into_any()
    };
    let remove = may_edit.then(|| {
        view! {
            <form method="post" action=format!("/attachments/{}/delete", a.id) class="inline">
                {csrf_field(csrf)}
                <button type="submit" class="link">{lang.t("attach-remove")}</button>
            </form>
        }
    });
    view! {
        <li class="attachment" data-id=a.id.to_string() data-thumbnail=a.thumbnail.clone()>
            <a href=href target="_blank" rel="noopener">
                {preview}
                <span class="name">{a.file_name.clone()}</span>
            </a>
            <small>{size_text(a.size_bytes)}" · "{crate::i18n::local_time(a.created_at)}</small>
            {remove}
        </li>
    }
}

/// Receive a file from the form and go back to the record's page.
pub async fn upload(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    mut form: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut kind = None;
    let mut owner_id = None;
    let mut file: Option<(String, Vec<u8>, usize)> = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return bad_form(&v),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            // Kept up to the limit, counted beyond it: the answer can then
            // say how large the file was without holding it.
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let (mut kept, mut total) = (Vec::new(), 0usize);
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        total += chunk.len();
                        if total <= attachments::MAX_BYTES {
                            kept.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(_) => return bad_form(&v),
                }
            }
            file = Some((file_name, kept, total));
            continue;
        }
        let Ok(text) = field.text().await else {
            return bad_form(&v);
        };
        match name.as_str() {
            crate::csrf::FIELD => csrf = text,
            "owner_kind" => kind = OwnerKind::parse(&text),
            "owner_id" => owner_id = text.parse::<Uuid>().ok(),
            _ => {}
        }
    }
    if !crate::csrf::verify(&v.session, &csrf).await {
        return csrf_rejected(&v);
    }
    let (Some(kind), Some(owner_id)) = (kind, owner_id) else {
        return bad_form(&v);
    };
    let back = owner_page(kind, owner_id);
    let (file_name, bytes, total) = file.unwrap_or_default();
    let refusal = if total > attachments::MAX_BYTES {
        Some(Refusal::TooLarge { bytes: total })
    } else {
        checks::check(&file_name, &bytes).err()
    };
    let refused = match refusal {
        Some(_) if file_name.is_empty() && total == 0 => Some(v.lang.t("attach-no-file")),
        Some(r) => Some(refusal_text(v.lang, &file_name, &r)),
        None => match attachments::upload(&erp, &user, kind, owner_id, &file_name, bytes).await {
            Ok(_) => None,
            Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
            Err(e) if e.kind == ErrorKind::Forbidden => Some(v.lang.t("record-forbidden")),
            Err(e) if e.kind == ErrorKind::Validation => {
                Some(format!("{file_name}: {}", e.message))
            }
            Err(e) => return unavailable(e),
        },
    };
    if let Some(text) = refused {
        log::info!(
            "attachment refused for {} {owner_id}: {text}",
            kind.as_str()
        );
        if let Err(e) = v.session.insert(REFUSED, (owner_id, text)).await {
            log::warn!("keeping an upload's refusal for its page: {e}");
        }
    }
    Redirect::to(&back).into_response()
}

fn bad_form(v: &Visitor) -> Response {
    (
        axum::http::StatusCode::BAD_REQUEST,
        v.lang.t("form-invalid"),
    )
        .into_response()
}

/// The file itself, shown in the browser.
pub async fn content(State(erp): State<Erp>, v: Visitor, Path(id): Path<Uuid>) -> Response {
    serve(&erp, &v, id, false).await
}

/// An image's thumbnail. While the worker is still making it the answer
/// waits (up to [`THUMBNAIL_WAIT`]), so a page loaded right after an upload
/// shows it without JavaScript or a reload.
pub async fn thumbnail(State(erp): State<Erp>, v: Visitor, Path(id): Path<Uuid>) -> Response {
    let Some(user) = v.user.clone() else {
        return super::not_found(v).await;
    };
    let started = std::time::Instant::now();
    loop {
        match attachments::get(&erp, &user, id).await {
            Ok(a) if a.thumbnail == "pending" && started.elapsed() < THUMBNAIL_WAIT => {
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
            _ => break,
        }
    }
    serve(&erp, &v, id, true).await
}

async fn serve(erp: &Erp, v: &Visitor, id: Uuid, thumbnail: bool) -> Response {
    let user = match v.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    match attachments::read(erp, &user, id, thumbnail).await {
        Ok(f) => (
            [
                (header::CONTENT_TYPE, f.content_type.to_owned()),
                (header::CONTENT_DISPOSITION, f.disposition("inline")),
                (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            ],
            f.bytes,
        )
            .into_response(),
        Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) => {
            super::not_found(v.clone()).await
        }
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
}

/// Remove an attachment, back to its record's page.
pub async fn remove(
    State(erp): State<Erp>,
    v: Visitor,
    Path(id): Path<Uuid>,
    axum::Form(form): axum::Form<RemoveForm>,
) -> Response {
    let user = match v.posting_user(&form.csrf).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match attachments::delete(&erp, &user, id).await {
        Ok(a) => match OwnerKind::parse(&a.owner_kind) {
            Some(kind) => Redirect::to(&owner_page(kind, a.owner_id)).into_response(),
            None => Redirect::to("/").into_response(),
        },
        // Only those who may edit the record see the button.
        Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) => {
            super::not_found(v).await
        }
        Err(e) => unavailable(e),
    }
}
