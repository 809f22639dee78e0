//! Status transitions: pre_reserved → confirmed | cancelled | expired; confirmed → cancelled |
//! completed. Anything else is `Conflict(InvalidTransition)`. Each change is timestamped and
//! audited in the same transaction.

use super::live::LiveEvent;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use super::audit::{self, AuditContext, Change};
use crate::{
    Error, Result,
    clock::Clock,
    domain::{ReservationCode, ReservationStatus},
    entities::reservation,
    error::ConflictKind,
    store,
};

/// Longest cancellation reason kept.
pub const MAX_REASON_CHARS: usize = 500;

/// Moves a reservation to `to`, timestamping and auditing the change (retried once when the
/// database aborts it as a deadlock victim, see [`super::retry`]).
pub async fn transition<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    code: &ReservationCode,
    to: ReservationStatus,
    reason: Option<&str>,
) -> Result<reservation::Model> {
    super::retry::once("transition", || {
        transition_once(db, clock, ctx, code, to, reason)
    })
    .await
}

async fn transition_once<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    code: &ReservationCode,
    to: ReservationStatus,
    reason: Option<&str>,
) -> Result<reservation::Model> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(Error::invalid(
            "reason",
            "too_long",
            format!("the reason can have at most {MAX_REASON_CHARS} characters"),
        ));
    }
    let txn = db.begin().await?;
    let before = store::reservations::lock_by_code(&txn, code)
        .await?
        .ok_or(Error::NotFound("reservation"))?;
    if !before.status.can_become(to) {
        return Err(Error::conflict(
            ConflictKind::InvalidTransition,
            format!("a {} reservation cannot become {to}", before.status),
        ));
    }
    let now = clock.now();
    let after = store::reservations::transition(&txn, code, to, now, reason)
        .await?
        .ok_or_else(|| Error::Internal("locked reservation vanished".into()))?;
    let action = format!("reservation.{}", action_name(to));
    audit::record(
        &txn,
        ctx,
        now,
        Change::reservation(&action, Some(&before), &after),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(reservation_code = %code, from = %before.status, to = %to, "reservation status changed");
    Ok(after)
}

/// [`transition`], then (after the commit) the guest notice of the new status, if it has one:
/// `Confirmed` or `Cancelled`. A failure to enqueue is logged, never fails the transition.
pub async fn transition_notifying<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    code: &ReservationCode,
    to: ReservationStatus,
    reason: Option<&str>,
    notices: Option<&crate::jobs::JobQueue>,
) -> Result<reservation::Model> {
    let row = transition(db, clock, ctx, code, to, reason).await?;
    if let Some(event) = notice_of(to) {
        super::guest_notices::enqueue(notices, row.id, event).await;
    }
    let code = row.code.to_string();
    let live = match to {
        ReservationStatus::Confirmed => Some(LiveEvent::Confirmed { code }),
        ReservationStatus::Cancelled => Some(LiveEvent::Cancelled { code }),
        _ => None,
    };
    if let Some(live) = live {
        super::live::publish(notices, &live).await;
    }
    Ok(row)
}

/// The guest notice a move to `to` sends.
pub fn notice_of(to: ReservationStatus) -> Option<crate::jobs::notifications::NoticeEvent> {
    use crate::jobs::notifications::NoticeEvent;
    match to {
        ReservationStatus::Confirmed => Some(NoticeEvent::Confirmed),
        ReservationStatus::Cancelled => Some(NoticeEvent::Cancelled),
        ReservationStatus::Expired => Some(NoticeEvent::Expired),
        _ => None,
    }
}

fn action_name(to: ReservationStatus) -> &'static str {
    match to {
        ReservationStatus::PreReserved => "hold",
        ReservationStatus::Confirmed => "confirm",
        ReservationStatus::Cancelled => "cancel",
        ReservationStatus::Expired => "expire",
        ReservationStatus::Completed => "complete",
        ReservationStatus::Blocked => "block",
    }
}
