//! Expiring lapsed pre-reservations: the sweep the worker runs every minute, and the targeted
//! expiry a booking does when a lapsed hold is in its way. Every expiry is audited.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use crate::{
    Result,
    clock::Clock,
    entities::audit_log::ActorKind,
    store::{self, reservation_booking::ExpiryAudit},
};

/// Which lapsed holds to expire.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every lapsed hold.
    All,
    /// Lapsed holds of one accommodation sharing a night with `[check_in, check_out)`.
    Overlapping {
        /// The accommodation.
        accommodation_id: i32,
        /// First night.
        check_in: NaiveDate,
        /// Day after the last night.
        check_out: NaiveDate,
    },
}

/// Expires lapsed holds in `scope` and audits each one, inside the caller's transaction.
pub async fn expire_in(db: &impl ConnectionTrait, clock: &dyn Clock, scope: Scope) -> Result<u64> {
    let expired = expire_rows_in(db, clock, scope).await?;
    Ok(u64::try_from(expired.len()).unwrap_or(u64::MAX))
}

/// Who the audit rows of every automatic expiry name, and their action.
pub(crate) const EXPIRY_AUDIT: ExpiryAudit<'static> = ExpiryAudit {
    actor_kind: ActorKind::System,
    actor: "expire_pre_reservations",
    action: "reservation.expire",
};

/// [`expire_in`], returning the ids of the holds it expired (each audited by the same
/// statement, see [`store::reservation_booking::expire_lapsed_holds`]).
async fn expire_rows_in(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    scope: Scope,
) -> Result<Vec<i64>> {
    let filter = match scope {
        Scope::All => None,
        Scope::Overlapping {
            accommodation_id,
            check_in,
            check_out,
        } => Some((accommodation_id, check_in, check_out)),
    };
    let expired =
        store::reservation_booking::expire_lapsed_holds(db, clock.now(), EXPIRY_AUDIT, filter)
            .await?;
    let codes: Vec<&str> = expired.iter().map(|row| row.code.as_str()).collect();
    record_expired(&codes);
    Ok(expired.iter().map(|row| row.id).collect())
}

/// Logs and counts holds an expiry (the sweep's or a booking's) has just expired.
pub(crate) fn record_expired(codes: &[&str]) {
    for code in codes {
        tracing::info!(reservation_code = %code, "pre-reservation expired");
    }
    if !codes.is_empty() {
        metrics::counter!("reservation_expired_total")
            .increment(u64::try_from(codes.len()).unwrap_or(u64::MAX));
    }
}

/// The sweep: expires every lapsed hold in one transaction; returns how many.
pub async fn expire_lapsed_holds<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
) -> Result<u64> {
    expire_lapsed_holds_notifying(db, clock, None).await
}

/// The sweep, then (after the commit) the `Expired` guest notice of each hold it expired. A
/// failure to enqueue is logged, never fails the sweep.
pub async fn expire_lapsed_holds_notifying<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    notices: Option<&crate::jobs::JobQueue>,
) -> Result<u64> {
    let txn = db.begin().await?;
    let expired = expire_rows_in(&txn, clock, Scope::All).await?;
    txn.commit().await?;
    for id in &expired {
        super::guest_notices::enqueue(
            notices,
            *id,
            crate::jobs::notifications::NoticeEvent::Expired,
        )
        .await;
    }
    let count = u64::try_from(expired.len()).unwrap_or(u64::MAX);
    if count > 0 {
        super::live::publish(notices, &super::live::LiveEvent::Expired { count }).await;
    }
    Ok(count)
}

/// Sets the `active_reservations` gauge: open holds and confirmed stays not yet over (after
/// the sweep, which the worker runs every minute).
pub async fn record_active(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    timezone: chrono_tz::Tz,
) -> Result<u64> {
    let active = store::reservations::count_active(db, clock.today(timezone), clock.now()).await?;
    metrics::gauge!("active_reservations").set(active as f64);
    Ok(active)
}
