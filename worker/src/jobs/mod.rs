//! Job handlers, one file per job, and [`run_job`], the wrapper every queue handler goes
//! through: metrics, error classification, and the record of jobs given up on.

use std::{future::Future, time::Instant};

use apalis::prelude::{AbortError, BoxDynError};
use shared::{
    jobs::{Job, JobError},
    service::{failed_jobs, webhooks},
    trace::JobTrace,
};
use tracing::Instrument;

use crate::JobContext;

pub mod conversation_sweep;
pub mod expire_idempotency_keys;
pub mod expire_pre_reservations;
pub mod guest_data_retention;
pub mod guest_notice;
pub mod hold_reminders;
pub mod ical_sync;
pub mod payment_poll;
pub mod payment_reconcile;
pub mod purge_webhook_payloads;
pub mod schedule;
pub mod webhook_sweep;
pub mod whatsapp_inbound;
pub mod whatsapp_status;

/// Classifies a webhook job's error; a permanent one also marks its event `failed` (with
/// the reason) so the monitor shows it. Best effort: the failed job is recorded either way.
pub(crate) async fn failed_event(ctx: &JobContext, event_id: i64, err: shared::Error) -> JobError {
    let err = JobError::from(err);
    if !err.is_retryable()
        && let Err(e) = webhooks::mark_failed(&ctx.db, event_id, &err.to_string()).await
    {
        tracing::warn!(webhook_event_id = event_id, error = %e, "could not mark the event failed");
    }
    err
}

/// Runs one attempt of `job` and decides what its failure means.
///
/// * success → `jobs_processed_total`;
/// * a retryable error before the kind's `MAX_ATTEMPTS` → `jobs_retried_total`, and the plain
///   error goes back to apalis, whose retry layer runs it again after an exponential backoff
///   with jitter (see `registry`);
/// * a permanent error, or the last attempt → `jobs_failed_total`, a row in `failed_jobs`,
///   and an [`AbortError`] so neither the retry layer nor apalis-redis retries it again. If
///   the row cannot be written the plain error is returned instead, so the job is not lost.
///
/// The attempt runs in a `job` span carrying a `trace_id`: the enqueuing request's when the
/// job carries its trace (and, with OpenTelemetry on, as a child of the request's span), a
/// new one otherwise (`shared::trace`).
pub async fn run_job<J, F>(
    ctx: &JobContext,
    job: &J,
    attempt: usize,
    handler: F,
) -> Result<(), BoxDynError>
where
    J: Job,
    F: Future<Output = Result<(), JobError>>,
{
    let span = match job.trace() {
        Some(trace) => trace.span(J::NAME),
        None => JobTrace::root_span(J::NAME),
    };
    run_attempt(ctx, job, attempt, handler)
        .instrument(span)
        .await
}

/// One attempt of [`run_job`], inside its span.
async fn run_attempt<J, F>(
    ctx: &JobContext,
    job: &J,
    attempt: usize,
    handler: F,
) -> Result<(), BoxDynError>
where
    J: Job,
    F: Future<Output = Result<(), JobError>>,
{
    let started = Instant::now();
    let result = handler.await;
    let elapsed = started.elapsed();
    metrics::histogram!("job_duration_seconds", "job" => J::NAME).record(elapsed.as_secs_f64());
    let err = match result {
        Ok(()) => {
            metrics::counter!("jobs_processed_total", "job" => J::NAME).increment(1);
            let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
            tracing::info!(attempt, elapsed_ms, "job done");
            return Ok(());
        }
        Err(err) => err,
    };
    if err.is_retryable() && attempt < J::MAX_ATTEMPTS {
        metrics::counter!("jobs_retried_total", "job" => J::NAME).increment(1);
        tracing::warn!(job = J::NAME, attempt, error = %err, "job failed; will retry");
        return Err(Box::new(err));
    }
    metrics::counter!("jobs_failed_total", "job" => J::NAME).increment(1);
    tracing::error!(job = J::NAME, attempt, error = %err, "job failed; giving up");
    let payload = serde_json::to_value(job).unwrap_or(serde_json::Value::Null);
    let recorded = failed_jobs::record_failed_job(
        &ctx.db,
        J::NAME,
        payload,
        &err.to_string(),
        attempt,
        ctx.clock.now(),
    )
    .await;
    match recorded {
        Ok(_) => Err(Box::new(AbortError::new(err))),
        Err(e) => {
            tracing::error!(job = J::NAME, error = %e, "could not record the failed job");
            Err(Box::new(err))
        }
    }
}
