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
    /// For validation errors: every offending field, each with a JSON pointer.
    pub fields: Vec<FieldIssue>,
    pub source: Option<anyhow::Error>,
}

/// One bad field: where (a JSON pointer such as `/contacts/0/email`), a
/// stable code the UI translates, and an English message for API clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub pointer: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldIssue {
    pub fn new(pointer: &str, code: &'static str, message: impl Into<String>) -> Self {
        let pointer = if pointer.starts_with('/') {
            pointer.to_owned()
        } else {
            format!("/{pointer}")
        };
        FieldIssue {
            pointer,
            code,
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Error {
            kind,
            code,
            message: message.into(),
            fields: vec![],
            source: None,
        }
    }
    pub fn validation(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            fields: vec![FieldIssue::new(field, code, message.clone())],
            ..Error::new(ErrorKind::Validation, code, message)
        }
    }
    /// Several bad fields at once (a form shows them all, not one per submit).
    pub fn invalid_fields(fields: Vec<FieldIssue>) -> Self {
        let message = match fields.as_slice() {
            [one] => one.message.clone(),
            _ => format!("{} fields are invalid", fields.len()),
        };
        Error {
            fields,
            ..Error::new(ErrorKind::Validation, "invalid_input", message)
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, code, message)
    }
    /// The answer to an update whose `version` is not the stored one.
    pub fn stale_version() -> Self {
        Error::conflict(
            "stale_version",
            "the record changed since you read it; reload and retry",
        )
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
    /// The database constraint that refused the statement, if that is what happened.
    pub fn constraint(&self) -> Option<&str> {
        match self.source.as_ref()?.downcast_ref::<sqlx::Error>()? {
            sqlx::Error::Database(db) => db.constraint(),
            _ => None,
        }
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
            sqlx::Error::Database(db)
                if let Some(rule) = db.constraint().and_then(database_rule) =>
            {
                Error {
                    source: Some(e.into()),
                    ..Error::new(rule.kind, rule.code, rule.message)
                }
            }
            // A number past what its column holds. The checks before the
            // database bound every number they read and name its field; this
            // is the net under them, so an input they missed is a 422, not
            // a 500, and the log says a bound is missing.
            sqlx::Error::Database(db) if db.code().as_deref() == Some(NUMERIC_OUT_OF_RANGE) => {
                log::warn!("a number out of its column's range reached the database: {db}");
                Error {
                    source: Some(e.into()),
                    ..Error::new(
                        ErrorKind::Validation,
                        "number_out_of_range",
                        "a number is larger than can be stored",
                    )
                }
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some("40001") => Error {
                source: Some(e.into()),
                ..Error::conflict("serialization_failure", "a concurrent change won; retry")
            },
            _ => Error::internal(e),
        }
    }
}

/// SQLSTATE numeric_value_out_of_range.
const NUMERIC_OUT_OF_RANGE: &str = "22003";

/// A business rule PostgreSQL enforces itself (triggers raise with the
/// constraint name), and what the caller is told when it refuses.
struct DatabaseRule {
    constraint: &'static str,
    kind: ErrorKind,
    code: &'static str,
    message: &'static str,
}

const DATABASE_RULES: &[DatabaseRule] = &[
    DatabaseRule {
        constraint: "journal_entry_balanced",
        kind: ErrorKind::Validation,
        code: "entry_unbalanced",
        message: "debits and credits of the entry differ",
    },
    DatabaseRule {
        constraint: "journal_entry_complete",
        kind: ErrorKind::Conflict,
        code: "entry_incomplete",
        message: "the entry's lines do not match its stated lines and total",
    },
    DatabaseRule {
        constraint: "journal_account_postable",
        kind: ErrorKind::Validation,
        code: "account_not_postable",
        message: "a header account takes no entries",
    },
    DatabaseRule {
        constraint: "journal_entry_immutable",
        kind: ErrorKind::Conflict,
        code: "entry_immutable",
        message: "posted journal entries are never changed; reverse them",
    },
    DatabaseRule {
        constraint: "sales_document_final",
        kind: ErrorKind::Conflict,
        code: "document_final",
        message: "a posted or cancelled document is never changed; credit it instead",
    },
    DatabaseRule {
        constraint: "stock_document_immutable",
        kind: ErrorKind::Conflict,
        code: "stock_document_immutable",
        message: "posted stock documents are never changed; reverse them",
    },
    DatabaseRule {
        constraint: "stock_not_negative",
        kind: ErrorKind::Conflict,
        code: "insufficient_stock",
        message: "a concurrent move took the stock this needs; read it again",
    },
    DatabaseRule {
        constraint: "stock_unit_position",
        kind: ErrorKind::Conflict,
        code: "unit_moved",
        message: "a unit is no longer where this takes it from, or its cost changed since",
    },
    DatabaseRule {
        constraint: "stock_unit_reserved",
        kind: ErrorKind::Conflict,
        code: "unit_reserved",
        message: "this unit is reserved for another sale or is not in stock",
    },
    DatabaseRule {
        constraint: "payment_final",
        kind: ErrorKind::Conflict,
        code: "payment_final",
        message: "a payment is never edited; reverse it",
    },
    DatabaseRule {
        constraint: "supplier_bill_final",
        kind: ErrorKind::Conflict,
        code: "supplier_bill_final",
        message: "a supplier bill is never edited; reverse it",
    },
    DatabaseRule {
        constraint: "supplier_payment_final",
        kind: ErrorKind::Conflict,
        code: "payment_final",
        message: "a payment is never edited; reverse it",
    },
];

fn database_rule(constraint: &str) -> Option<&'static DatabaseRule> {
    DATABASE_RULES.iter().find(|r| r.constraint == constraint)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What PostgreSQL says for a number past its column (SQLSTATE 22003);
    /// a stand-in because no input the API takes reaches it any more.
    #[derive(Debug)]
    struct OutOfRange;

    impl fmt::Display for OutOfRange {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("numeric field overflow")
        }
    }

    impl std::error::Error for OutOfRange {}

    impl sqlx::error::DatabaseError for OutOfRange {
        fn message(&self) -> &str {
            "numeric field overflow"
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(NUMERIC_OUT_OF_RANGE.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    #[test]
    fn a_number_past_its_column_is_the_client_s_input_not_a_server_error() {
        let e = Error::from(sqlx::Error::Database(Box::new(OutOfRange)));
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Validation, "number_out_of_range")
        );
    }
}
