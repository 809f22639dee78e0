//! `whatsapp_status.v1`: store one delivery status of an outbound message (once per
//! wamid + status). A message that failed because the 24-hour window had closed (131047) is
//! replaced by the approved template.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::whatsapp::WhatsappStatus,
    service::{conversation, whatsapp},
};

use crate::JobContext;

/// Handles one delivery status.
pub async fn handle(
    job: WhatsappStatus,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let stored = whatsapp::store_status(
            &ctx.db,
            job.webhook_event_id,
            &job.wamid,
            &job.status,
            ctx.clock.now(),
            ctx.settings.idempotency_ttl(),
        )
        .await;
        match stored {
            Ok((_, true)) => {
                conversation::window_closed(&ctx.concierge, &job.wamid).await?;
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) => Err(super::failed_event(&ctx, job.webhook_event_id, e).await),
        }
    })
    .await
}
