//! `webhook_sweep.v1` (every minute): re-enqueue recorded webhook events whose jobs never
//! completed (Redis was down when they arrived, or a worker died). Safe to run twice: the
//! handlers it re-enqueues are idempotent.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::maintenance::SweepWebhookEvents, service::webhook_monitor};

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
