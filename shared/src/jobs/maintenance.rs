//! Scheduled maintenance jobs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Job;

/// Expire every pre-reservation whose hold has lapsed. `slot` is the cron tick that asked for
/// it; one slot is enqueued once even when several worker machines tick.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExpirePreReservations {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for ExpirePreReservations {
    const NAME: &'static str = "expire_pre_reservations.v1";
}

/// Delete idempotency keys past their expiry (hourly).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExpireIdempotencyKeys {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for ExpireIdempotencyKeys {
    const NAME: &'static str = "expire_idempotency_keys.v1";
}

/// Re-enqueue recorded webhook events whose jobs never completed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SweepWebhookEvents {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for SweepWebhookEvents {
    const NAME: &'static str = "webhook_sweep.v1";
}

/// Drop raw webhook payloads older than the retention period.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PurgeWebhookPayloads {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for PurgeWebhookPayloads {
    const NAME: &'static str = "webhook_retention_purge.v1";
}

/// Anonymise the personal data of stays and WhatsApp guests older than
/// `GUEST_DATA_RETENTION_MONTHS` (daily; see `service::guest_data::apply_retention`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApplyGuestDataRetention {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for ApplyGuestDataRetention {
    const NAME: &'static str = "guest_data_retention.v1";
}

/// A job enqueued by a cron schedule, once per slot.
pub trait Scheduled: Job {
    /// The job for a slot.
    fn for_slot(slot: DateTime<Utc>) -> Self;
}

macro_rules! scheduled {
    ($($ty:ty),*) => {$(
        impl Scheduled for $ty {
            fn for_slot(slot: DateTime<Utc>) -> Self {
                Self { slot }
            }
        }
    )*};
}

scheduled!(
    ExpirePreReservations,
    ExpireIdempotencyKeys,
    SweepWebhookEvents,
    PurgeWebhookPayloads,
    ApplyGuestDataRetention
);
