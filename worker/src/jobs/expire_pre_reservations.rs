//! `expire_pre_reservations.v1`: expire every hold whose time is up.
//!
//! Idempotent: the update only touches holds still `pre_reserved` and lapsed, so running it
//! twice for one slot changes nothing the second time.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::maintenance::ExpirePreReservations, service::expiry};

use crate::JobContext;

/// Handles one expiry job.
pub async fn handle(
    job: ExpirePreReservations,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let expired =
            expiry::expire_lapsed_holds_notifying(&ctx.db, ctx.clock.as_ref(), Some(&ctx.queue))
                .await?;
        let active =
            expiry::record_active(&ctx.db, ctx.clock.as_ref(), ctx.settings.timezone()).await?;
        tracing::debug!(slot = %job.slot, expired, active, "expiry sweep done");
        Ok(())
    })
    .await
}
