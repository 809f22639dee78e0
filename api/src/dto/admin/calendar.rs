//! Calendar views.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};
use shared::service::calendar::{CalendarDay, DayState};

/// What a night is doing.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DayStateView {
    /// Bookable.
    Free,
    /// Held by a pre-reservation.
    Held,
    /// Booked here.
    Booked,
    /// Taken on another channel.
    Blocked,
}

/// The reservation occupying a night.
#[derive(Debug, Clone, Object)]
pub struct DayReservationView {
    /// Code.
    pub code: String,
    /// Guest's first name.
    pub guest: String,
    /// Status.
    pub status: String,
    /// Channel it came from.
    pub source: String,
}

/// One night.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CalendarDayView {
    /// The night.
    pub date: NaiveDate,
    /// free, held, booked or blocked.
    pub state: DayStateView,
    /// Price of the night at current rates.
    pub price: String,
    /// The reservation, when taken.
    pub reservation: Option<DayReservationView>,
}

impl From<CalendarDay> for CalendarDayView {
    fn from(d: CalendarDay) -> Self {
        Self {
            date: d.date,
            state: match d.state {
                DayState::Free => DayStateView::Free,
                DayState::Held => DayStateView::Held,
                DayState::Booked => DayStateView::Booked,
                DayState::Blocked => DayStateView::Blocked,
            },
            price: d.price.to_string(),
            reservation: d.reservation.map(|r| DayReservationView {
                code: r.code.into(),
                guest: r
                    .guest_name
                    .as_str()
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                status: r.status.to_string(),
                source: r.channel.to_string(),
            }),
        }
    }
}

/// A month of one accommodation.
#[derive(Debug, Clone, Object)]
pub struct CalendarView {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Its name.
    pub accommodation_name: String,
    /// `YYYY-MM`.
    pub month: String,
    /// ISO 4217 currency of the prices.
    pub currency: String,
    /// Every night of the month.
    pub days: Vec<CalendarDayView>,
}

/// One date's availability (legacy shape).
#[derive(Debug, Clone, Object)]
pub struct LegacyDayView {
    /// The night.
    pub date: NaiveDate,
    /// Whether it can be booked.
    pub available: bool,
}

/// Availability of a date range (path kept from the system this replaces).
#[derive(Debug, Clone, Object)]
pub struct LegacyAvailabilityView {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// First night.
    pub start_date: NaiveDate,
    /// Day after the last night.
    pub end_date: NaiveDate,
    /// Every night.
    pub days: Vec<LegacyDayView>,
    /// The nights that cannot be booked.
    pub unavailable_dates: Vec<NaiveDate>,
}
