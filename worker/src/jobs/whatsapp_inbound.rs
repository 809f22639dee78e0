//! `whatsapp_inbound.v1`: store one inbound message and its sender, then let the concierge
//! answer the guest's conversation.
//!
//! Idempotent: the dedupe mark and the insert commit together (see
//! `shared::service::whatsapp`), so a redelivered message is stored once; the conversation's
//! drain answers only messages still unanswered, one guest at a time and in order (see
//! `shared::service::conversation`), so a redelivery answers nothing twice. A retry after a
//! failed answer (Meta down) finds the message stored and drains again.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::whatsapp::WhatsappInbound,
    service::{conversation, whatsapp},
};

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
        let contact_id = match stored {
            Ok((_, contact_id)) => contact_id,
            Err(e) => return Err(super::failed_event(&ctx, job.webhook_event_id, e).await),
        };
        conversation::drain(&ctx.concierge, contact_id).await?;
        Ok(())
    })
    .await
}
