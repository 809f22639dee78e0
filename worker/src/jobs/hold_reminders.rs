//! `hold_reminders.v1`: every minute, enqueue the "about to lapse" notice of each hold that
//! lapses within 10 minutes and was not reminded yet.
//!
//! Idempotent: holds are marked `reminded_at` by the same statement that finds them, so a
//! second run (or a second worker) finds none of them again. A notice that cannot be enqueued
//! un-marks its hold so the next slot tries again.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::{
        JobError,
        notifications::{GuestNotice, HoldReminders, NoticeEvent},
    },
    service::guest_notices,
};

use crate::JobContext;

/// Handles one scan.
pub async fn handle(
    job: HoldReminders,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let due = guest_notices::claim_reminders(&ctx.db, ctx.clock.now()).await?;
        for reservation_id in &due {
            let notice = GuestNotice::new(*reservation_id, NoticeEvent::Expiring);
            if let Err(e) = ctx.queue.push(notice).await {
                guest_notices::release_reminder(&ctx.db, *reservation_id).await?;
                return Err(JobError::from(e));
            }
        }
        tracing::debug!(slot = %job.slot, reminded = due.len(), "hold reminder scan done");
        Ok(())
    })
    .await
}
