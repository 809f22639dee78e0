//! Guest notices: one job per lifecycle moment of a reservation ([`GuestNotice`]), and the
//! cron job that finds holds about to lapse ([`HoldReminders`]). Handlers live in the worker.
//!
//! Named for notices, not emails: the email is the first channel; WhatsApp reuses the same
//! notices.

use chrono::{DateTime, Utc};
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

use super::{Job, maintenance::Scheduled};

/// A lifecycle moment the guest is told about. Stored as `email_log.event`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum NoticeEvent {
    /// A hold was created: pay the deposit with this link before it lapses.
    HoldCreated,
    /// The payment arrived and the booking is confirmed: check-in details.
    Confirmed,
    /// The hold lapses in about 10 minutes.
    Expiring,
    /// The hold lapsed unpaid.
    Expired,
    /// The reservation was cancelled.
    Cancelled,
    /// The owner sent the deposit's link again (one notice per resend: see
    /// [`GuestNotice::resend`]).
    PaymentLinkResent,
}

impl NoticeEvent {
    /// Every notice.
    pub const ALL: [Self; 6] = [
        Self::HoldCreated,
        Self::Confirmed,
        Self::Expiring,
        Self::Expired,
        Self::Cancelled,
        Self::PaymentLinkResent,
    ];
}

/// Tell the guest of a reservation about `event` (by every channel the guest gave).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GuestNotice {
    /// The reservation.
    pub reservation_id: i64,
    /// What happened.
    pub event: NoticeEvent,
    /// Which of the owner's resends this is (1, 2, …); 0 for a lifecycle moment. A lifecycle
    /// notice is told once per reservation and event; a resend once per number, so the owner
    /// can send the link again while a redelivered job still sends nothing twice. Absent in
    /// payloads queued before resends existed (0).
    #[serde(default)]
    pub resend: i32,
}

impl GuestNotice {
    /// The notice of a lifecycle moment of reservation `reservation_id`.
    pub fn new(reservation_id: i64, event: NoticeEvent) -> Self {
        Self {
            reservation_id,
            event,
            resend: 0,
        }
    }

    /// The owner's `resend`-th resend of the deposit's link.
    pub fn resend(reservation_id: i64, resend: i32) -> Self {
        Self {
            reservation_id,
            event: NoticeEvent::PaymentLinkResent,
            resend,
        }
    }

    /// What tells this notice apart from every other of its reservation (`{event}` or
    /// `{event}:{resend}`), for dedupe marks.
    pub fn key(&self) -> String {
        let event = sea_orm::ActiveEnum::to_value(&self.event);
        match self.resend {
            0 => format!("{}:{event}", self.reservation_id),
            n => format!("{}:{event}:{n}", self.reservation_id),
        }
    }
}

impl Job for GuestNotice {
    const NAME: &'static str = "guest_notice.v1";
    /// A mail server down for a few minutes is covered (backoff up to 60 s between tries).
    const MAX_ATTEMPTS: usize = 6;
}

/// Find the holds lapsing within 10 minutes not reminded yet and enqueue their `Expiring`
/// notice (every minute, once per slot).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct HoldReminders {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for HoldReminders {
    const NAME: &'static str = "hold_reminders.v1";
    /// The next slot scans again.
    const MAX_ATTEMPTS: usize = 2;
}

impl Scheduled for HoldReminders {
    fn for_slot(slot: DateTime<Utc>) -> Self {
        Self { slot }
    }
}
