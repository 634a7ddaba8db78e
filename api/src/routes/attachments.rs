//! Files attached to parties, products and sales documents: upload one (the
//! body is the file), list a record's, read one, its content or its
//! thumbnail, delete one. Another company's attachment is not found.

use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use erp::Erp;
use erp::attachments::{self, Attachment, OwnerKind};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::path::Path;
use crate::problem::{ApiResult, Problem};
use crate::query::Query;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct OwnerQuery {
    /// What the file is attached to.
    #[param(inline)]
    owner_kind: OwnerKind,
    /// The party's, product's or sales document's id.
    owner_id: Uuid,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// What the file is attached to.
    #[param(inline)]
    owner_kind: OwnerKind,
    /// The party's, product's or sales document's id.
    owner_id: Uuid,
    /// The file's name on the user's computer (without a folder, at most
    /// 200 characters); its ending (.jpg, .jpeg, .png, .webp, .pdf, any
    /// case) must match the content.
    #[param(
        max_length = 200,
        pattern = r"^[^/\\\x00-\x1F\x7F-\x9F]*\.(?:[Jj][Pp][Ee]?[Gg]|[Pp][Nn][Gg]|[Ww][Ee][Bb][Pp]|[Pp][Dd][Ff])$"
    )]
    file_name: String,
}

/// The body types an upload may carry: the file's own type, or a neutral
/// one. None of them is one a cross-site form can send without a preflight.
const BODY_TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "application/octet-stream",
];

/// Attach a file (the request body; JPEG, PNG, WebP or PDF, at most 20 MB)
/// to a party, product or sales document. The content must be what
/// `file_name` says; an image's thumbnail is made in the background.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn upload(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let sent = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    if !sent.as_deref().is_some_and(|t| BODY_TYPES.contains(&t)) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file_body_expected",
            format!(
                "send the file as the body, with Content-Type one of {}",
                BODY_TYPES.join(", ")
            ),
        ));
    }
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!(
                "at most {} MB are accepted",
                attachments::MAX_BYTES / 1_048_576
            ),
        )
        .with_field("/file", "the file is too large")
    };
    let bytes = axum::body::to_bytes(body, attachments::MAX_BYTES)
        .await
        .map_err(|_| too_large())?;
    let name = q.file_name;
    let a = attachments::upload(
        &erp,
        &caller.user,
        q.owner_kind,
        q.owner_id,
        &name,
        Vec::from(bytes),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// A record's attachments, oldest first.
#[utoipa::path(get, path = "/api/v1/attachments", tag = "attachments", params(OwnerQuery),
    responses((status = 200, body = [Attachment]),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(erp): State<Erp>,
    caller: Caller,
    Query(q): Query<OwnerQuery>,
) -> ApiResult<Json<Vec<Attachment>>> {
    Ok(Json(
        attachments::list(&erp, &caller.user, q.owner_kind, q.owner_id).await?,
    ))
}

/// One attachment's description.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = Uuid, Path, description = "attachment id")),
    responses((status = 200, body = Attachment),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_one(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Attachment>> {
    Ok(Json(attachments::get(&erp, &caller.user, id).await?))
}

/// Remove an attachment and its files.
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = Uuid, Path, description = "attachment id")),
    responses((status = 204),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    attachments::delete(&erp, &caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The file itself.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/content", tag = "attachments",
    params(("id" = Uuid, Path, description = "attachment id")),
    responses((status = 200, content_type = "application/octet-stream"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn content(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    Ok(super::common::download(
        attachments::read(&erp, &caller.user, id, false).await?,
    ))
}

/// An image's thumbnail (JPEG, at most 320 pixels a side); 404 until made.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/thumbnail", tag = "attachments",
    params(("id" = Uuid, Path, description = "attachment id")),
    responses((status = 200, content_type = "image/jpeg"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn thumbnail(
    State(erp): State<Erp>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    Ok(super::common::download(
        attachments::read(&erp, &caller.user, id, true).await?,
    ))
}

pub fn routes() -> OpenApiRouter<Erp> {
    OpenApiRouter::new()
        .routes(routes!(upload, list))
        .routes(routes!(get_one, delete))
        .routes(routes!(content))
        .routes(routes!(thumbnail))
        // The handler reads the body with its own limit and a clear answer.
        .layer(DefaultBodyLimit::disable())
}
