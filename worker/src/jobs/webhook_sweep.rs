//! `webhook_sweep.v1` (every 15 seconds, and once at worker start): re-enqueue recorded
//! webhook events whose jobs never completed (Redis was down when they arrived or restarted
//! empty since, or a worker died). Safe to run twice: the handlers it re-enqueues are
//! idempotent.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::maintenance::{Scheduled, SweepWebhookEvents},
    service::webhook_monitor,
};

use crate::JobContext;

/// Handles one sweep.
pub async fn handle(
    job: SweepWebhookEvents,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        webhook_monitor::sweep(&ctx.db, &ctx.queue, ctx.clock.now()).await?;
        Ok(())
    })
    .await
}

/// Enqueues one sweep as the worker starts, so events whose jobs went with a Redis restarted
/// empty are enqueued again without waiting for the schedule. Best effort: the schedule
/// sweeps anyway.
pub async fn enqueue_at_start(ctx: &JobContext) {
    let sweep = SweepWebhookEvents::for_slot(ctx.clock.now());
    if let Err(error) = ctx.queue.push(sweep).await {
        tracing::warn!(error = %error, "could not enqueue the start-up webhook sweep");
    }
}
