//! `payment_poll.v1` (`PAYMENT_POLL_SCHEDULE`, default every 5 minutes): reconcile the
//! payments of open holds and unpaid confirmations that no notification brought. Idempotent:
//! reconciliation recomputes from Mercado Pago's current state.

use apalis::prelude::{Attempt, BoxDynError, Data};
use shared::{jobs::payments::PollPayments, service::payment_poll};

use crate::JobContext;

/// Handles one poll.
pub async fn handle(
    job: PollPayments,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    super::run_job(&ctx, &job, attempt.current(), async {
        payment_poll::poll_payments(&ctx.db, &ctx.mercadopago, ctx.clock.as_ref()).await?;
        Ok(())
    })
    .await
}
