//! `payment_reconcile.v1`: re-fetch a Mercado Pago payment and apply it to its reservation.
//!
//! Idempotent: reconciliation recomputes the reservation's paid amount from every payment row
//! under a row lock, so a redelivered or replayed job changes nothing the second time. A
//! provider outage (5xx, 429, timeout) is retried with backoff; an unknown reservation or a
//! currency mismatch is permanent and lands in `failed_jobs` (and an owner alert).

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{
    jobs::{JobError, payments::ReconcilePayment},
    service::{payments, webhooks},
};

use crate::JobContext;

/// Handles one payment notification.
pub async fn handle(
    job: ReconcilePayment,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        let reconciled = payments::reconcile_payment_notifying(
            &ctx.db,
            &ctx.mercadopago,
            ctx.clock.as_ref(),
            &job.payment_id,
            Some(&ctx.queue),
        )
        .await;
        match (reconciled, job.webhook_event_id) {
            (Ok(_), Some(event_id)) => {
                webhooks::mark_processed(&ctx.db, event_id, ctx.clock.now())
                    .await
                    .map_err(JobError::from)?;
                Ok(())
            }
            (Ok(_), None) => Ok(()),
            (Err(e), Some(event_id)) => Err(super::failed_event(&ctx, event_id, e).await),
            (Err(e), None) => Err(JobError::from(e)),
        }
    })
    .await
}
