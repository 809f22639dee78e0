//! Availability views (no guest data).

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};
use shared::service::availability::{BusyKind, BusyRange};

/// Why a range is busy.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BusyStatus {
    /// Held by a pre-reservation that may still lapse.
    Held,
    /// Booked.
    Booked,
}

/// Nights that cannot be booked: `[check_in, check_out)`.
#[derive(Debug, Clone, Object)]
pub struct BusyRangeView {
    /// First busy night.
    pub check_in: NaiveDate,
    /// Day after the last busy night.
    pub check_out: NaiveDate,
    /// held or booked.
    pub status: BusyStatus,
}

impl From<BusyRange> for BusyRangeView {
    fn from(r: BusyRange) -> Self {
        Self {
            check_in: r.start,
            check_out: r.end,
            status: match r.kind {
                BusyKind::Held => BusyStatus::Held,
                BusyKind::Booked => BusyStatus::Booked,
            },
        }
    }
}

/// The busy ranges of an accommodation in a window.
#[derive(Debug, Clone, Object)]
pub struct AvailabilityView {
    /// The accommodation.
    pub accommodation_id: i32,
    /// Window start (inclusive).
    pub from: NaiveDate,
    /// Window end (exclusive).
    pub to: NaiveDate,
    /// Busy ranges touching the window, in date order.
    pub busy: Vec<BusyRangeView>,
}
