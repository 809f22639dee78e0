//! Job handlers, one file per job.

use std::{future::Future, time::Instant};

use apalis::prelude::BoxDynError;

pub mod expire_pre_reservations;
pub mod schedule;

/// Runs a handler, recording `job_duration_seconds{job}` and the processed/failed counters.
pub async fn observed<F>(job: &'static str, handler: F) -> Result<(), BoxDynError>
where
    F: Future<Output = Result<(), BoxDynError>>,
{
    let started = Instant::now();
    let result = handler.await;
    metrics::histogram!("job_duration_seconds", "job" => job)
        .record(started.elapsed().as_secs_f64());
    match &result {
        Ok(()) => metrics::counter!("jobs_processed_total", "job" => job).increment(1),
        Err(e) => {
            metrics::counter!("jobs_failed_total", "job" => job).increment(1);
            tracing::warn!(job, error = %e, "job failed");
        }
    }
    result
}
