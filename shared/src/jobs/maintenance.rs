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
