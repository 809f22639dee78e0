//! Running a write transaction again when PostgreSQL aborted it to break a deadlock (40P01) or
//! for a serialization failure (40001).
//!
//! Either abort means nothing of the transaction was written and the same work, run again on
//! a fresh snapshot, usually succeeds: the other transaction has finished by then. One retry
//! is enough in practice (our writes take their locks in one documented order, so a deadlock
//! needs something unusual such as an operator's manual statement); a second abort is
//! reported as `Unavailable` (503) so the client retries later, rather than looping here
//! while holding a pool connection.

use std::future::Future;

use crate::Result;

/// Runs `work` (which must open, and finish, its own transaction), and once more if it was
/// aborted as a deadlock victim or for a serialization failure. `operation` labels the
/// `db_transaction_retries_total` metric (a fixed name, never input).
pub async fn once<T, F, Fut>(operation: &'static str, mut work: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    match work().await {
        Err(e) if e.is_contention() => {
            metrics::counter!("db_transaction_retries_total", "operation" => operation)
                .increment(1);
            tracing::warn!(operation, error = %e, "transaction aborted by the database; retrying once");
            work().await
        }
        other => other,
    }
}
