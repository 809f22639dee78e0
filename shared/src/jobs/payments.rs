//! Payment jobs: [`ReconcilePayment`] (enqueued by the Mercado Pago webhook) and
//! [`PollPayments`] (the reconciliation poll's cron). Handlers live in the worker.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, maintenance::Scheduled};
use crate::trace::JobTrace;

/// Re-fetch a Mercado Pago payment and apply it to its reservation. Nothing but the id is
/// taken from the (unsigned) webhook body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReconcilePayment {
    /// Mercado Pago's payment id.
    pub payment_id: String,
    /// The delivery that asked for it, when it came from a webhook.
    pub webhook_event_id: Option<i64>,
    /// The trace of the webhook delivery that enqueued it (absent in payloads of older
    /// releases and in re-enqueued ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<JobTrace>,
}

impl Job for ReconcilePayment {
    const NAME: &'static str = "payment_reconcile.v1";
    const MAX_ATTEMPTS: usize = 10;

    fn trace(&self) -> Option<&JobTrace> {
        self.trace.as_ref()
    }
}

/// Ask Mercado Pago for the payments of open holds and unpaid confirmations with a link
/// (`service::payment_poll`), on `PAYMENT_POLL_SCHEDULE`, once per slot.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PollPayments {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for PollPayments {
    const NAME: &'static str = "payment_poll.v1";
    /// The next slot polls again: a couple of attempts cover a blip, no more.
    const MAX_ATTEMPTS: usize = 2;
}

impl Scheduled for PollPayments {
    fn for_slot(slot: DateTime<Utc>) -> Self {
        Self { slot }
    }
}
