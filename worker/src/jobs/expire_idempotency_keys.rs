//! `expire_idempotency_keys.v1` (hourly): delete idempotency keys past their expiry, and the
//! login-failure rows that no longer count (lapsed locks, failures older than a day).
//! Idempotent: deleting what is already gone changes nothing.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::maintenance::ExpireIdempotencyKeys, service::admin_lockout, store::idempotency,
};

use crate::JobContext;

/// Handles one expiry run.
pub async fn handle(
    job: ExpireIdempotencyKeys,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let now = ctx.clock.now();
        idempotency::expire(&ctx.db, now).await?;
        admin_lockout::forget_stale(&ctx.db, now).await?;
        Ok(())
    })
    .await
}
