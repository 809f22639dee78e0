//! `guest_data_retention.v1` (daily): anonymise the stays that checked out more than
//! `GUEST_DATA_RETENTION_MONTHS` ago and delete the WhatsApp guests silent that long (unless
//! their phone books a stay since); bounded per run, idempotent. See docs/privacy.md.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::maintenance::ApplyGuestDataRetention, service::guest_data};

use crate::JobContext;

/// Handles one run.
pub async fn handle(
    job: ApplyGuestDataRetention,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        guest_data::apply_retention(
            &ctx.db,
            ctx.clock.as_ref(),
            ctx.settings.timezone(),
            ctx.settings.guest_data_retention(),
        )
        .await?;
        Ok(())
    })
    .await
}
