//! Counting the double bookings the database refused (the exclusion constraint, see
//! docs/ARCHITECTURE.md), in the two places that show them: the dashboard's
//! `overlaps_prevented` counts every refusal; the Prometheus counter
//! `reservation_overlap_total{channel}` counts refused guest bookings by channel, beside
//! `reservation_create_total{channel}` for the ones that succeeded.

use super::dashboard;
use crate::{
    Result,
    domain::Channel,
    redis::{Keys, RedisConn},
};

/// Who asked for the nights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    /// A guest booking through this channel (the public and legacy booking routes).
    Guest(Channel),
    /// The owner booking for a guest or changing a stay's dates: the dashboard counts it, the
    /// per-channel counter of guest bookings does not.
    Owner,
}

/// Passes `result` through, counting it first when it is a refused double booking (best
/// effort: a Redis failure is only logged).
pub async fn counted<T>(
    redis: &RedisConn,
    keys: &Keys,
    requester: Requester,
    result: Result<T>,
) -> Result<T> {
    if let Err(e) = &result
        && e.is_date_overlap()
    {
        if let Requester::Guest(channel) = requester {
            metrics::counter!("reservation_overlap_total", "channel" => channel.as_str())
                .increment(1);
        }
        dashboard::record_overlap(redis, keys).await;
    }
    result
}
