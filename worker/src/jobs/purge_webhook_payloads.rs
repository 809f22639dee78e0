//! `webhook_retention_purge.v1` (daily): drop raw webhook payloads older than
//! `WEBHOOK_RETENTION_DAYS`; the log rows stay. Idempotent.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::maintenance::PurgeWebhookPayloads, service::webhook_monitor};

use crate::JobContext;

/// Handles one purge.
pub async fn handle(
    job: PurgeWebhookPayloads,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        webhook_monitor::purge_payloads(&ctx.db, ctx.clock.now(), ctx.settings.webhook_retention())
            .await?;
        Ok(())
    })
    .await
}
