//! Status transitions: pre_reserved → confirmed | cancelled | expired; confirmed → cancelled |
//! completed. Anything else is `Conflict(InvalidTransition)`.

use sea_orm::ConnectionTrait;

use crate::{
    Error, Result,
    clock::Clock,
    domain::{ReservationCode, ReservationStatus},
    entities::reservation,
    error::ConflictKind,
    store,
};

/// Moves a reservation to `to`, timestamping the change.
pub async fn transition(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    code: &ReservationCode,
    to: ReservationStatus,
    reason: Option<&str>,
) -> Result<reservation::Model> {
    if let Some(row) = store::reservations::transition(db, code, to, clock.now(), reason).await? {
        tracing::info!(reservation_code = %code, status = %to, "reservation status changed");
        return Ok(row);
    }
    match store::reservations::find_by_code(db, code).await? {
        None => Err(Error::NotFound("reservation")),
        Some(current) => Err(Error::conflict(
            ConflictKind::InvalidTransition,
            format!("a {} reservation cannot become {}", current.status, to),
        )),
    }
}
