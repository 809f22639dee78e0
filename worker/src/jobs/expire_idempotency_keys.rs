//! `expire_idempotency_keys.v1` (hourly): delete idempotency keys past their expiry.
//! Idempotent: deleting what is already gone changes nothing.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::maintenance::ExpireIdempotencyKeys, service::idempotency};

use crate::JobContext;

/// Handles one expiry run.
pub async fn handle(
    job: ExpireIdempotencyKeys,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        idempotency::expire(&ctx.db, ctx.clock.now()).await?;
        Ok(())
    })
    .await
}
