//! `guest_notice.v1`: tell a guest about a lifecycle moment of their reservation: in their
//! WhatsApp conversation when the booking was made there
//! (`shared::service::conversation_notices`, once per reservation and event), and by email
//! when they gave an address.
//!
//! Idempotent through `email_log` (one row per reservation and event, see
//! `shared::service::guest_notices`): a redelivered notice sends nothing the second time. A
//! mail server that is down or says "try later" is retried with backoff (the row reads
//! `failed` meanwhile, and stays so if every attempt fails); an address the server refuses is
//! recorded `failed` and not retried.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::{JobError, notifications::GuestNotice},
    service::{
        conversation_notices,
        guest_notices::{self, Delivery, DeliveryError, Mailer},
    },
};

use crate::JobContext;

/// Handles one notice.
pub async fn handle(
    job: GuestNotice,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let told = conversation_notices::notify(&ctx.concierge, &job).await?;
        tracing::debug!(reservation_id = job.reservation_id, ?told, "WhatsApp notice handled");
        let mailer = Mailer {
            sender: &ctx.email,
            clock: ctx.clock.as_ref(),
            timezone: ctx.settings.timezone(),
            payment_links: Some((ctx.mercadopago.as_ref(), ctx.payment_links.as_ref())),
        };
        match guest_notices::deliver(&ctx.db, mailer, &job).await {
            Ok(Delivery::Refused(reason)) => {
                tracing::warn!(reservation_id = job.reservation_id, %reason, "guest email refused for good");
                Ok(())
            }
            Ok(outcome) => {
                tracing::debug!(reservation_id = job.reservation_id, ?outcome, "guest notice handled");
                Ok(())
            }
            Err(DeliveryError::Transient(reason)) => Err(JobError::retryable(reason)),
            Err(DeliveryError::Store(e)) => Err(JobError::from(e)),
        }
    })
    .await
}
