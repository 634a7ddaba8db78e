//! A path-parameter extractor whose rejections are problem+json naming the
//! parameter (`/id`), like the query and body extractors' — axum's own
//! answers `text/plain` "Invalid URL: …".

use axum::extract::FromRequestParts;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let (pointer, detail) = match e.kind() {
                    ErrorKind::ParseErrorAtKey {
                        key,
                        value,
                        expected_type,
                    } => (
                        format!("/{key}"),
                        format!("'{value}' is not a valid {key} ({})", short(expected_type)),
                    ),
                    ErrorKind::ParseErrorAtIndex {
                        index,
                        value,
                        expected_type,
                    } => (
                        format!("/{index}"),
                        format!("'{value}' is not valid here ({})", short(expected_type)),
                    ),
                    ErrorKind::DeserializeError {
                        key,
                        value,
                        message,
                    } => (format!("/{key}"), format!("'{value}': {message}")),
                    ErrorKind::InvalidUtf8InPathParam { key } => {
                        (format!("/{key}"), "not UTF-8 text".to_owned())
                    }
                    ErrorKind::Message(message) => ("/".to_owned(), message.clone()),
                    other => ("/".to_owned(), other.to_string()),
                };
                Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_path",
                    format!("path parameter {pointer}: {detail}"),
                )
                .with_field(pointer, detail))
            }
            Err(other) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                other.body_text(),
            )),
        }
    }
}

/// `uuid::Uuid` → `Uuid`.
fn short(type_name: &str) -> &str {
    type_name.rsplit("::").next().unwrap_or(type_name)
}
