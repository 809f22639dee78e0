//! `shared::Error`: what went wrong in a use-case, named for what happened.
//!
//! This is also the one place that classifies database errors, by SQLSTATE:
//!
//! | SQLSTATE | meaning | becomes |
//! |---|---|---|
//! | 23P01 | exclusion violation: the dates are taken | `Conflict(DateOverlap)` (409) |
//! | 23505 | unique violation | `Conflict(Duplicate)` (409) |
//! | 23503 | foreign key: a referenced row is missing | `Invalid` on the column (422) |
//! | 23503 | foreign key: the row is still referenced | `Conflict(InUse)` (409) |
//! | 23514, 23502 | check or not-null violation | `Invalid` on the column (422) |
//! | 22021, 22P05 | text PostgreSQL cannot store (a NUL character) | `Invalid` (422, `invalid_character`) |
//! | class 22 | data exception (number or date out of range, text too long) | `Invalid` (422) |
//! | 40P01, 40001 | deadlock victim, serialization failure | `Unavailable` (503), see [`Error::is_contention`] |
//! | 55P03, 57014 | lock not available, statement timeout | `Unavailable` (503) |
//! | 53xxx, 57P0x, 08xxx | server out of resources, shutting down, connection lost | `Unavailable` (503) |
//!
//! Lost connections and pool timeouts (no SQLSTATE) become `Unavailable`; anything else is
//! `Internal` (500). Deadlocks and serialization failures are retried once by the writing
//! services (`service::retry::once`) before they reach the client.

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
    /// Other rows still refer to the one being changed or removed (foreign key).
    InUse,
    /// WhatsApp's 24-hour window is closed: free text cannot be sent to this guest now.
    WindowClosed,
    /// The guest still has a hold or a confirmed stay not yet over: their data is needed.
    GuestHasLiveBooking,
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
            Self::InUse => "in_use",
            Self::WindowClosed => "window_closed",
            Self::GuestHasLiveBooking => "guest_has_live_booking",
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
    /// The error with its causes (`internal error: Graph API answered 400 …`), for logs and
    /// stored failure reasons.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// A conflict of the given kind.
    pub fn conflict(kind: ConflictKind, message: impl Into<String>) -> Self {
        Self::Conflict {
            kind,
            message: message.into(),
        }
    }

    /// The nights overlap an active stay of the accommodation (the exclusion constraint's
    /// refusal, however it was reported).
    pub fn date_overlap() -> Self {
        Self::conflict(
            ConflictKind::DateOverlap,
            "those nights are already taken for this accommodation",
        )
    }

    /// A single-field validation error.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// Whether PostgreSQL aborted the transaction as a deadlock victim (40P01) or for a
    /// serialization failure (40001): nothing was written, and running the same transaction
    /// again usually succeeds.
    pub fn is_contention(&self) -> bool {
        match self {
            Self::Unavailable(source) => source
                .downcast_ref::<sea_orm::DbErr>()
                .and_then(sql_state)
                .is_some_and(|(code, _)| code == DEADLOCK || code == SERIALIZATION_FAILURE),
            _ => false,
        }
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
/// SQLSTATE of a foreign-key violation.
const FOREIGN_KEY_VIOLATION: &str = "23503";
/// SQLSTATE of a check-constraint violation.
const CHECK_VIOLATION: &str = "23514";
/// SQLSTATE of a not-null violation.
const NOT_NULL_VIOLATION: &str = "23502";
/// SQLSTATE of a transaction chosen as a deadlock victim.
const DEADLOCK: &str = "40P01";
/// SQLSTATE of a serialization failure.
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATEs that mean "not now" (the same statement may succeed later): lock not
/// available (`NOWAIT`, `lock_timeout`), statement timeout or cancel.
const NOT_NOW: [&str; 2] = ["55P03", "57014"];
/// SQLSTATE classes that mean the server cannot serve us now: 08 connection exception,
/// 53 insufficient resources, 57P operator intervention (shutdown, crash recovery).
const UNAVAILABLE_PREFIXES: [&str; 3] = ["08", "53", "57P"];

/// The SQLSTATE and constraint name of a database error, when the server raised one.
pub fn sql_state(err: &sea_orm::DbErr) -> Option<(String, Option<String>)> {
    let db = database_error(err)?;
    Some((db.code()?.into_owned(), db.constraint().map(str::to_owned)))
}

fn database_error(err: &sea_orm::DbErr) -> Option<&(dyn sqlx::error::DatabaseError + 'static)> {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => e.as_database_error(),
        _ => None,
    }
}

/// The column a constraint named by PostgreSQL's defaults (`{table}_{column}_{suffix}`)
/// guards, or the constraint's own name when it does not follow them. Only our own schema's
/// names reach the client, never values.
fn constraint_field(err: &sea_orm::DbErr, suffix: &str) -> String {
    let Some(db) = database_error(err) else {
        return "request".into();
    };
    let constraint = db.constraint().unwrap_or("request");
    db.table()
        .and_then(|t| constraint.strip_prefix(t)?.strip_prefix('_'))
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or(constraint)
        .to_owned()
}

/// Whether a foreign-key violation comes from changing or removing a row others refer to
/// (rather than from pointing at a missing one).
fn is_still_referenced(err: &sea_orm::DbErr) -> bool {
    database_error(err).is_some_and(|db| db.message().starts_with("update or delete on table"))
}

fn classify(code: &str, err: sea_orm::DbErr) -> Error {
    match code {
        FOREIGN_KEY_VIOLATION if is_still_referenced(&err) => {
            Error::conflict(ConflictKind::InUse, "other records still refer to this one")
        }
        FOREIGN_KEY_VIOLATION => {
            let field = constraint_field(&err, "_fkey");
            Error::invalid(
                &field,
                "unknown_reference",
                format!("{field} refers to nothing"),
            )
        }
        CHECK_VIOLATION => {
            let field = constraint_field(&err, "_check");
            Error::invalid(&field, "out_of_range", format!("{field} is out of range"))
        }
        NOT_NULL_VIOLATION => {
            let field = db_column(&err).unwrap_or_else(|| "request".into());
            Error::invalid(&field, "required", format!("{field} is required"))
        }
        _ if UNSTORABLE_TEXT.contains(&code) => Error::invalid(
            "request",
            "invalid_character",
            "text fields may not contain the NUL character",
        ),
        _ if code.starts_with("22") => Error::invalid(
            "request",
            "value_out_of_range",
            "a value is out of the range that can be stored",
        ),
        DEADLOCK | SERIALIZATION_FAILURE => Error::Unavailable(Box::new(err)),
        _ if NOT_NOW.contains(&code) => Error::Unavailable(Box::new(err)),
        _ if UNAVAILABLE_PREFIXES.iter().any(|p| code.starts_with(p)) => {
            Error::Unavailable(Box::new(err))
        }
        _ => Error::Internal(Box::new(err)),
    }
}

/// The column a not-null violation names (PostgreSQL reports it; sqlx exposes it only on
/// the Postgres error type).
fn db_column(err: &sea_orm::DbErr) -> Option<String> {
    database_error(err)?
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?
        .column()
        .map(str::to_owned)
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::{DbErr, RuntimeErr};
        match sql_state(&err) {
            Some((code, _)) if code == EXCLUSION_VIOLATION => Self::date_overlap(),
            Some((code, constraint)) if code == UNIQUE_VIOLATION => Self::conflict(
                ConflictKind::Duplicate,
                format!(
                    "a value that must be unique is already used ({})",
                    constraint.unwrap_or_default()
                ),
            ),
            Some((code, _)) => classify(&code, err),
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
