//! Payment jobs. The handler of [`ReconcilePayment`] belongs to the payments service (wired by
//! the lead): this crate only defines the payload the Mercado Pago webhook enqueues.

use serde::{Deserialize, Serialize};

use super::Job;

/// Re-fetch a Mercado Pago payment and apply it to its reservation. Nothing but the id is
/// taken from the (unsigned) webhook body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReconcilePayment {
    /// Mercado Pago's payment id.
    pub payment_id: String,
    /// The delivery that asked for it, when it came from a webhook.
    pub webhook_event_id: Option<i64>,
}

impl Job for ReconcilePayment {
    const NAME: &'static str = "payment_reconcile.v1";
    const MAX_ATTEMPTS: usize = 10;
}
