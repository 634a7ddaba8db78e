//! The form extractor of every page: a body that is not the form the page
//! sent (a missing field, a bad id) gets a 400 page in the visitor's
//! language instead of a bare text error.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::document::page;

pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let lang = crate::request::requested_lang(req.headers());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(rejection) => {
                log::info!("web: rejected form: {rejection}");
                let msg = lang.t("form-invalid");
                let body =
                    view! { <main><p class="alert">{msg.clone()}</p><a href="/">"↩"</a></main> };
                Err((StatusCode::BAD_REQUEST, page(lang, msg, None, body)).into_response())
            }
        }
    }
}
