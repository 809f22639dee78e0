//! `webhook_retention_purge.v1` (daily): drop raw webhook payloads older than
//! `WEBHOOK_RETENTION_DAYS` (the log rows stay), and delete refusal samples older than
//! `WEBHOOK_REFUSAL_RETENTION_DAYS`. Idempotent.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::maintenance::PurgeWebhookPayloads,
    service::{webhook_monitor, webhook_refusals},
};

use crate::JobContext;

/// Handles one purge.
pub async fn handle(
    job: PurgeWebhookPayloads,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let now = ctx.clock.now();
        webhook_monitor::purge_payloads(&ctx.db, now, ctx.settings.webhook_retention()).await?;
        webhook_refusals::purge_refusals(&ctx.db, now, ctx.settings.webhook_refusal_retention())
            .await?;
        Ok(())
    })
    .await
}
