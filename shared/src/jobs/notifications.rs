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
}

impl NoticeEvent {
    /// Every notice.
    pub const ALL: [Self; 5] = [
        Self::HoldCreated,
        Self::Confirmed,
        Self::Expiring,
        Self::Expired,
        Self::Cancelled,
    ];
}

/// Tell the guest of a reservation about `event` (by every channel the guest gave).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GuestNotice {
    /// The reservation.
    pub reservation_id: i64,
    /// What happened.
    pub event: NoticeEvent,
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
