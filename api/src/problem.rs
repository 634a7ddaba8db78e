//! RFC 9457 problem details: the one place where domain error kinds become
//! HTTP statuses. Internal errors are logged here and never leak details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use erp::{Error, ErrorKind};
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type; `about:blank` style URN with the code.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code for clients to translate.
    pub code: String,
    /// For validation problems: where in the input, as a JSON pointer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub pointer: String,
    /// Stable snake_case code of this field's problem.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
    pub detail: String,
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            type_: format!("urn:erp:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: vec![],
            retry_after: None,
        }
    }

    pub fn with_field(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Problem {
        self.errors.push(FieldError {
            pointer: pointer.into(),
            code: String::new(),
            detail: detail.into(),
        });
        self
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        let status = status_of(e.kind);
        if e.kind == ErrorKind::Internal || e.kind == ErrorKind::Unavailable {
            log::error!("{e}");
        }
        let detail = if e.kind == ErrorKind::Internal {
            "internal error".to_owned()
        } else {
            e.message.clone()
        };
        let mut p = Problem::new(status, e.code, detail);
        for issue in e.fields {
            p.errors.push(FieldError {
                pointer: issue.pointer,
                code: issue.code.to_owned(),
                detail: issue.message,
            });
        }
        if let ErrorKind::RateLimited { retry_after_secs } = e.kind {
            p.retry_after = Some(retry_after_secs);
        }
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let mut res = (status, axum::Json(self)).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// Handlers return this: the domain's error becomes a problem response.
pub type ApiResult<T> = Result<T, Problem>;
