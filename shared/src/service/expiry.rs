//! Expiring lapsed pre-reservations: the sweep the worker runs every minute, and the targeted
//! expiry a booking does when a lapsed hold is in its way. Every expiry is audited.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use super::audit::{self, Actor, AuditContext, Change};
use crate::{Result, clock::Clock, store};

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

/// [`expire_in`], returning the ids of the holds it expired.
async fn expire_rows_in(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    scope: Scope,
) -> Result<Vec<i64>> {
    let now = clock.now();
    let filter = match scope {
        Scope::All => None,
        Scope::Overlapping {
            accommodation_id,
            check_in,
            check_out,
        } => Some((accommodation_id, check_in, check_out)),
    };
    let expired = store::reservations::expire_lapsed_holds(db, now, filter).await?;
    let ctx = AuditContext {
        actor: Actor::System("expire_pre_reservations"),
        trace_id: None,
    };
    for row in &expired {
        let mut before = row.clone();
        before.status = crate::domain::ReservationStatus::PreReserved;
        audit::record(
            db,
            &ctx,
            now,
            Change::reservation("reservation.expire", Some(&before), row),
        )
        .await?;
        tracing::info!(reservation_code = %row.code, "pre-reservation expired");
    }
    let count = u64::try_from(expired.len()).unwrap_or(u64::MAX);
    if count > 0 {
        metrics::counter!("reservation_expired_total").increment(count);
    }
    Ok(expired.iter().map(|row| row.id).collect())
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
    Ok(u64::try_from(expired.len()).unwrap_or(u64::MAX))
}
