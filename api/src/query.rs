//! A query-string extractor whose rejections are problem+json naming the
//! parameter (`/limit`), like the body extractor's.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::json::{pointer_of, with_unknown_field};
use crate::problem::Problem;

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let raw = parts.uri.query().unwrap_or_default();
        // PostgreSQL text cannot hold NUL: refused here, naming the parameter.
        if let Some((key, _)) =
            form_urlencoded::parse(raw.as_bytes()).find(|(_, v)| v.contains('\0'))
        {
            let pointer = format!("/{key}");
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("query parameter {pointer}: {}", crate::json::NUL_TEXT),
            )
            .with_field(pointer, crate::json::NUL_TEXT));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|err| {
                let pointer = pointer_of(err.path());
                let message = err.into_inner().to_string();
                let pointer = with_unknown_field(pointer, &message);
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("query parameter {pointer}: {message}"),
                )
                .with_field(pointer, message)
            })
    }
}
