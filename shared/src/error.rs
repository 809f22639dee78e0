//! `shared::Error`: what went wrong in a use-case, named for what happened.
//!
//! This is also the one place that classifies database errors: an exclusion violation
//! (SQLSTATE 23P01, the dates are taken) and a unique violation (23505) become `Conflict`,
//! text PostgreSQL cannot store (22021/22P05, a NUL character sent by a client) becomes
//! `Invalid`,
//! lost connections and timeouts become `Unavailable`.

use serde::Serialize;

/// Result of a use-case.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: String,
    /// A stable machine-readable reason (`required`, `invalid_date`, `in_the_past`, ...).
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Why a request conflicts with what is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictKind {
    /// The nights overlap an active reservation (exclusion constraint).
    DateOverlap,
    /// The requested status change is not allowed from the current status.
    InvalidTransition,
    /// A unique value is already taken.
    Duplicate,
    /// The reservation is over (cancelled, expired, completed) and cannot be edited.
    NotEditable,
    /// The pre-reservation's hold lapsed, so it can no longer be paid.
    HoldExpired,
    /// The reservation is not waiting for a deposit (confirmed, cancelled, nothing owed).
    NotPayable,
}

impl ConflictKind {
    /// The error code clients see.
    pub fn code(self) -> &'static str {
        match self {
            Self::DateOverlap => "date_overlap",
            Self::InvalidTransition => "invalid_transition",
            Self::Duplicate => "duplicate",
            Self::NotEditable => "not_editable",
            Self::HoldExpired => "hold_expired",
            Self::NotPayable => "reservation_not_payable",
        }
    }
}

/// A use-case failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist (or is not visible).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with stored state.
    #[error("{message}")]
    Conflict {
        /// What kind of conflict.
        kind: ConflictKind,
        /// Human-readable detail.
        message: String,
    },
    /// Input that breaks the rules, one entry per bad field.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// The caller could not be authenticated (bad credentials, locked or unknown account).
    #[error("unauthorized")]
    Unauthorized,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A per-client quota is used up (for example active holds per phone); the request may
    /// succeed later, once older holds lapse or are confirmed.
    #[error("{message}")]
    TooMany {
        /// Stable machine-readable code (`too_many_holds`).
        code: &'static str,
        /// Human-readable explanation.
        message: String,
        /// Which limit was hit, one entry per limit.
        details: Vec<FieldError>,
        /// Seconds until a slot frees up by itself, when known.
        retry_after_seconds: Option<u64>,
    },
    /// A dependency (database, Redis, provider) is down or timed out; retrying may help.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A bug or an unexpected failure.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// A conflict of the given kind.
    pub fn conflict(kind: ConflictKind, message: impl Into<String>) -> Self {
        Self::Conflict {
            kind,
            message: message.into(),
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// Whether this is an exclusion violation (overlapping nights).
    pub fn is_date_overlap(&self) -> bool {
        matches!(
            self,
            Self::Conflict {
                kind: ConflictKind::DateOverlap,
                ..
            }
        )
    }
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// SQLSTATE of an exclusion-constraint violation.
const EXCLUSION_VIOLATION: &str = "23P01";
/// SQLSTATE of a unique violation.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATEs of text PostgreSQL cannot store: the NUL character, which JSON and query strings
/// can carry but a `text` (22021) or a `jsonb` string (22P05, `\u0000`) cannot.
const UNSTORABLE_TEXT: [&str; 2] = ["22021", "22P05"];

/// The SQLSTATE and constraint name of a database error, when the server raised one.
pub fn sql_state(err: &sea_orm::DbErr) -> Option<(String, Option<String>)> {
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx_err = match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(RuntimeErr::SqlxError(e)) => e,
        _ => return None,
    };
    let db = sqlx_err.as_database_error()?;
    Some((db.code()?.into_owned(), db.constraint().map(str::to_owned)))
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::{DbErr, RuntimeErr};
        match sql_state(&err) {
            Some((code, _)) if code == EXCLUSION_VIOLATION => Self::conflict(
                ConflictKind::DateOverlap,
                "those nights are already taken for this accommodation",
            ),
            Some((code, constraint)) if code == UNIQUE_VIOLATION => Self::conflict(
                ConflictKind::Duplicate,
                format!(
                    "a value that must be unique is already used ({})",
                    constraint.unwrap_or_default()
                ),
            ),
            Some((code, _)) if UNSTORABLE_TEXT.contains(&code.as_str()) => Self::invalid(
                "request",
                "invalid_character",
                "text fields may not contain the NUL character",
            ),
            Some(_) => Self::Internal(Box::new(err)),
            None => match err {
                DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable(Box::new(err)),
                DbErr::Exec(RuntimeErr::SqlxError(ref e))
                | DbErr::Query(RuntimeErr::SqlxError(ref e))
                    if is_transient(e) =>
                {
                    Self::Unavailable(Box::new(err))
                }
                other => Self::Internal(Box::new(other)),
            },
        }
    }
}

fn is_transient(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_)
    )
}

impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Self {
        Self::Unavailable(Box::new(err))
    }
}
