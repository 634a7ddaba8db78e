//! One module per page; `shell` is the frame around pages after login.

pub mod exports;
pub mod home;
pub mod language;
pub mod login;
mod shell;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

use crate::document::page;
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
