//! The form extractor of every page: a body that is not the form the page
//! sent (a missing field, a bad id, a NUL character) gets a 400 page in the
//! visitor's language instead of a bare text error (or, for NUL, the
//! database's refusal as a 500).

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::document::page;

pub struct Form<T>(pub T);

fn rejected(lang: crate::i18n::Lang) -> Response {
    let msg = lang.t("form-invalid");
    let body = view! { <main><p class="alert">{msg.clone()}</p><a href="/">"↩"</a></main> };
    (StatusCode::BAD_REQUEST, page(lang, msg, None, body)).into_response()
}

/// A form with rows: the fields of `T`, plus every value of the fields a
/// page repeats once per row (`contact_name`, `contact_name`, …), in order.
pub struct FormRows<T>(pub T, pub Rows);

pub struct Rows(Vec<(String, String)>);

impl Rows {
    /// Every value posted under `name`, in the order of the page.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl<S, T> FromRequest<S> for FormRows<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let lang = crate::request::requested_lang(req.headers());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| rejected(lang))?;
        let value = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
            log::info!("web: rejected form: {e}");
            rejected(lang)
        })?;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        if holds_nul(&pairs) {
            log::info!("web: rejected form: a value holds NUL");
            return Err(rejected(lang));
        }
        Ok(FormRows(value, Rows(pairs)))
    }
}

impl<S, T> FromRequest<S> for Form<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        FormRows::<T>::from_request(req, state)
            .await
            .map(|FormRows(value, _)| Form(value))
    }
}

/// PostgreSQL text cannot hold NUL, and no page sends one.
fn holds_nul(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .any(|(k, v)| k.contains('\0') || v.contains('\0'))
}
