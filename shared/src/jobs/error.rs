//! How a job failed: worth retrying, or not.

use crate::Error;

/// A job failure, classified.
///
/// `Retryable` failures (a dependency is down, a row is not visible yet) are retried with
/// exponential backoff and jitter up to the job kind's `MAX_ATTEMPTS`; `Permanent` ones (bad
/// data) are not retried. Both end up in `failed_jobs` once given up on.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Retrying may help.
    #[error("retryable: {0}")]
    Retryable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Retrying cannot help.
    #[error("permanent: {0}")]
    Permanent(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl JobError {
    /// A permanent failure with a message.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent(message.into().into())
    }

    /// A retryable failure with a message.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable(message.into().into())
    }

    /// Whether retrying may help.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable(_))
    }
}

impl From<Error> for JobError {
    fn from(err: Error) -> Self {
        match err {
            // A dependency is down, or something unexpected (bounded by MAX_ATTEMPTS).
            Error::Unavailable(_) | Error::Internal(_) => Self::Retryable(Box::new(err)),
            Error::Invalid(details) => Self::permanent(format!(
                "invalid input: {}",
                details
                    .iter()
                    .map(|d| format!("{} ({}): {}", d.field, d.code, d.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            // Business refusals: retrying the same job gives the same answer.
            Error::NotFound(_)
            | Error::Conflict { .. }
            | Error::Forbidden
            | Error::Unauthorized
            | Error::TooMany { .. } => Self::Permanent(Box::new(err)),
        }
    }
}

impl From<sea_orm::DbErr> for JobError {
    fn from(err: sea_orm::DbErr) -> Self {
        Error::from(err).into()
    }
}

impl From<serde_json::Error> for JobError {
    fn from(err: serde_json::Error) -> Self {
        Self::Permanent(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_is_retryable_and_bad_data_is_permanent() {
        assert!(JobError::from(Error::Unavailable("down".into())).is_retryable());
        assert!(!JobError::from(Error::NotFound("thing")).is_retryable());
        assert!(!JobError::from(Error::invalid("f", "c", "m")).is_retryable());
        assert!(
            !JobError::from(Error::conflict(crate::error::ConflictKind::Duplicate, "x"))
                .is_retryable()
        );
    }
}
