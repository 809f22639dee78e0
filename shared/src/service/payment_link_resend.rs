//! The owner sends a hold's deposit link to the guest again (the dashboard's «Reenviar link
//! de pago»): the guest lost it, or asked for it by phone.
//!
//! A resend is its own guest notice ([`GuestNotice::resend`], numbered 1, 2, … per
//! reservation), because lifecycle notices are told once per reservation and event. So that
//! repeated clicks do not spam the guest, a resend is refused within [`RESEND_COOLDOWN`] of
//! the previous one. The check, the audit entry (whose count numbers the resend) and the push
//! of the job happen under the reservation's row lock, in one transaction: two clicks at once
//! queue one notice. The job is pushed before the commit, so a Redis that is down refuses the
//! resend and leaves no audit entry behind; a commit that fails after the push (rare) sends
//! the link unaudited, which is the lesser harm.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

use super::{
    audit::{self, AuditContext, Change},
    payment_link::{amount_due, payable_until},
};
use crate::{
    Error, Result,
    clock::Clock,
    domain::ReservationCode,
    error::ConflictKind,
    jobs::{JobQueue, notifications::GuestNotice},
    store,
};

/// How long after a resend the next one is refused.
pub const RESEND_COOLDOWN: Duration = Duration::minutes(5);
/// The audit action of a resend.
pub const ACTION: &str = "reservation.payment_link_resend";

/// How the guest is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channels {
    /// By email (the guest gave an address).
    pub email: bool,
    /// In the WhatsApp conversation where they booked.
    pub whatsapp: bool,
}

/// Why the link is not sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResendRefusal {
    /// Not a hold (confirmed, cancelled, …), or its deposit is paid.
    NotPayable,
    /// The hold lapsed: there is nothing left to pay for.
    HoldExpired,
    /// The guest gave no email and did not book on WhatsApp.
    Unreachable,
    /// The link went out less than [`RESEND_COOLDOWN`] ago; it may go again from `again_at`.
    TooSoon {
        /// When the next resend is allowed.
        again_at: DateTime<Utc>,
    },
}

/// What [`resend`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// The notice is queued (the worker creates the link if the hold has none yet).
    Queued(Channels),
    /// Nothing sent: why.
    Refused(ResendRefusal),
}

/// Queues the deposit link of hold `code` for its guest again, audited as `ctx`.
/// `NotFound` for an unknown code; `Unavailable` when Redis or the database are down.
#[tracing::instrument(skip_all, fields(reservation_code = %code), err)]
pub async fn resend(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    ctx: &AuditContext,
    code: &ReservationCode,
    queue: &JobQueue,
) -> Result<Resend> {
    let txn = db.begin().await?;
    let row = store::reservations::lock_by_code(&txn, code)
        .await?
        .ok_or(Error::NotFound("reservation"))?;
    let now = clock.now();
    if let Err(refusal) = payable_until(&row, now).and_then(|_| amount_due(&row)) {
        return Ok(Resend::Refused(match refusal {
            Error::Conflict {
                kind: ConflictKind::HoldExpired,
                ..
            } => ResendRefusal::HoldExpired,
            _ => ResendRefusal::NotPayable,
        }));
    }
    let channels = Channels {
        email: row.guest_email.is_some(),
        whatsapp: store::conversations::by_reservation(&txn, row.id)
            .await?
            .is_some(),
    };
    if !channels.email && !channels.whatsapp {
        return Ok(Resend::Refused(ResendRefusal::Unreachable));
    }
    let (sent, last) = audit::latest_of(&txn, row.id, ACTION).await?;
    if let Some(again_at) = last
        .map(|at| at + RESEND_COOLDOWN)
        .filter(|again_at| *again_at > now)
    {
        return Ok(Resend::Refused(ResendRefusal::TooSoon { again_at }));
    }
    let number = i32::try_from(sent + 1).map_err(|e| Error::Internal(Box::new(e)))?;
    let change = Change {
        action: ACTION,
        entity_kind: "reservation",
        entity_id: row.code.to_string(),
        reservation_id: Some(row.id),
        before: None,
        after: Some(json!({
            "resend": number,
            "email": channels.email,
            "whatsapp": channels.whatsapp,
        })),
    };
    audit::record(&txn, ctx, now, change).await?;
    queue.push(GuestNotice::resend(row.id, number)).await?;
    txn.commit().await?;
    tracing::info!(resend = number, "payment link resent");
    Ok(Resend::Queued(channels))
}
