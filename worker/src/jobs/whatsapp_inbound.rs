//! `whatsapp_inbound.v1`: store one inbound message and its sender, as `unanswered`.
//!
//! Idempotent: the dedupe mark and the insert commit together (see
//! `shared::service::whatsapp`), so a redelivered message is stored once.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::whatsapp::WhatsappInbound, service::whatsapp};

use crate::JobContext;

/// Handles one inbound message.
pub async fn handle(
    job: WhatsappInbound,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let stored = whatsapp::store_inbound(
            &ctx.db,
            job.webhook_event_id,
            &job.wamid,
            ctx.clock.now(),
            ctx.settings.idempotency_ttl(),
        )
        .await;
        match stored {
            Ok(_) => Ok(()),
            Err(e) => Err(super::failed_event(&ctx, job.webhook_event_id, e).await),
        }
    })
    .await
}
