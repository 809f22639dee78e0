//! `conversation_sweep.v1` (every minute): drain the conversations left with work — replies
//! still queued after Meta came back, or guest messages stranded by a worker that died — see
//! `shared::service::conversation::sweep`. Safe to run twice: a drain answers only what is
//! still unanswered and sends only what is still queued.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::whatsapp::SweepConversations, service::conversation};

use crate::JobContext;

/// Handles one sweep.
pub async fn handle(
    job: SweepConversations,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let drained = conversation::sweep(&ctx.concierge).await?;
        tracing::debug!(slot = %job.slot, drained, "conversation sweep done");
        Ok(())
    })
    .await
}
