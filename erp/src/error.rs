//! One error type for the domain: a kind (mapped to an HTTP status once, at the
//! edge), a stable snake_case code the UI translates, a message and a cause.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Input that breaks a rule; `field` names where.
    Validation,
    /// No valid credentials / no session.
    Unauthenticated,
    /// Authenticated, but the role does not allow it.
    Forbidden,
    /// Missing, or belongs to a company the caller cannot see.
    NotFound,
    /// The state changed underneath (stale version, duplicate).
    Conflict,
    /// Too many attempts; retry after the given seconds.
    RateLimited { retry_after_secs: u64 },
    /// A dependency (database, Redis) does not answer.
    Unavailable,
    /// A bug or an unexpected failure; details go to the log only.
    Internal,
}

#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// JSON-pointer-ish path of the offending field, for validation errors.
    pub field: Option<String>,
    pub source: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Error {
            kind,
            code,
            message: message.into(),
            field: None,
            source: None,
        }
    }
    pub fn validation(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        Error {
            field: Some(field.to_owned()),
            ..Error::new(ErrorKind::Validation, code, message)
        }
    }
    pub fn not_found(code: &'static str) -> Self {
        Error::new(ErrorKind::NotFound, code, "not found")
    }
    pub fn forbidden() -> Self {
        Error::new(
            ErrorKind::Forbidden,
            "forbidden",
            "your role does not allow this action",
        )
    }
    pub fn unauthenticated(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unauthenticated, code, message)
    }
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Error {
            source: Some(source.into()),
            ..Error::new(ErrorKind::Internal, "internal", "internal error")
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(src) = &self.source {
            write!(f, " ({src:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => Error {
                source: Some(e.into()),
                ..Error::new(
                    ErrorKind::Unavailable,
                    "database_unavailable",
                    "the database does not answer",
                )
            },
            _ => Error::internal(e),
        }
    }
}

impl From<fred::error::Error> for Error {
    fn from(e: fred::error::Error) -> Self {
        Error {
            source: Some(e.into()),
            ..Error::new(
                ErrorKind::Unavailable,
                "redis_unavailable",
                "Redis does not answer",
            )
        }
    }
}
