//! The pre-reservation expiry sweep the worker runs every minute.

use sea_orm::ConnectionTrait;

use crate::{Result, clock::Clock, store};

/// Expires every hold whose time is up; returns how many.
pub async fn expire_lapsed_holds(db: &impl ConnectionTrait, clock: &dyn Clock) -> Result<u64> {
    let expired = store::reservations::expire_lapsed_holds(db, clock.now(), None).await?;
    if expired > 0 {
        metrics::counter!("reservation_expired_total").increment(expired);
        tracing::info!(expired, "lapsed pre-reservations expired");
    }
    Ok(expired)
}
