//! `ical_sync.v1` (`JOB_ICAL_INTERVAL_SECONDS`, default every 5 minutes): sync every channel
//! feed. Idempotent: a sync makes the blocks match the feed as it is now; a feed that fails
//! keeps its blocks and is tried again on the next slot.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::calendar::SyncIcalFeeds, service::ical_sync};

use crate::JobContext;

/// Handles one cycle.
pub async fn handle(
    job: SyncIcalFeeds,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let report = ical_sync::sync_all(&ctx.db, &ctx.ical).await?;
        tracing::info!(slot = %job.slot, feeds = report.feeds, failed = report.failed, "calendar sync cycle done");
        Ok(())
    })
    .await
}
