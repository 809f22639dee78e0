//! The owner's month calendar: what each night of an accommodation is doing.

use chrono::{Datelike, Days, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::BookingRules;
use crate::{
    Error, FieldError, Result,
    domain::{Channel, Money, ReservationStatus},
    entities::{accommodation, ical_conflict, reservation},
    store,
};

/// What a night is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayState {
    /// Bookable.
    Free,
    /// Held by a pre-reservation that may still lapse.
    Held,
    /// Confirmed reservation taken here.
    Booked,
    /// Taken on another channel (Airbnb, Booking.com, an iCal feed).
    Blocked,
}

/// One night of the calendar.
#[derive(Clone, Debug)]
pub struct CalendarDay {
    /// The night (the date the guest goes to sleep).
    pub date: NaiveDate,
    /// What it is doing.
    pub state: DayState,
    /// What the night costs at current prices.
    pub price: Money,
    /// The reservation occupying it.
    pub reservation: Option<reservation::Model>,
}

/// Parses `YYYY-MM` into the first day of that month.
pub fn parse_month(raw: &str) -> Result<NaiveDate> {
    Some(raw.trim())
        .filter(|r| r.len() == 7)
        .and_then(|r| crate::domain::date::parse(&format!("{r}-01")))
        .ok_or_else(|| {
            Error::Invalid(vec![FieldError::new(
                "month",
                "invalid_month",
                "month must be YYYY-MM",
            )])
        })
}

/// The first day of the month after the one `first` starts.
pub fn next_month(first: NaiveDate) -> NaiveDate {
    let (year, month) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .or_else(|| first.checked_add_days(Days::new(31)))
        .unwrap_or(NaiveDate::MAX)
}

fn state_of(r: &reservation::Model) -> DayState {
    match (r.status, r.channel) {
        (ReservationStatus::Blocked, _)
        | (_, Channel::Airbnb | Channel::Booking | Channel::Ical) => DayState::Blocked,
        (ReservationStatus::PreReserved, _) => DayState::Held,
        _ => DayState::Booked,
    }
}

/// Every night of `[from, to)` for an accommodation (active or not).
pub async fn nights(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    accommodation_id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(accommodation::Model, Vec<CalendarDay>)> {
    let accommodation = store::accommodations::find(db, accommodation_id).await?;
    let taken =
        store::reservations::active_in_window(db, accommodation_id, from, to, rules.clock.now())
            .await?;
    let prices = accommodation.price_rules();
    let weekend_rate = prices.weekend_rate();
    let days = from
        .iter_days()
        .take_while(|d| *d < to)
        .map(|date| {
            let reservation = taken
                .iter()
                .find(|r| r.check_in <= date && date < r.check_out)
                .cloned();
            CalendarDay {
                date,
                state: reservation.as_ref().map_or(DayState::Free, state_of),
                price: if prices.weekend_nights.contains(date.weekday()) {
                    weekend_rate
                } else {
                    prices.base_price
                },
                reservation,
            }
        })
        .collect();
    Ok((accommodation, days))
}

/// The open iCal conflicts (a channel's event on nights we had already sold) with a night in
/// `[from, to)`, of every accommodation, oldest stay first.
pub async fn open_conflicts(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ical_conflict::Model>> {
    use ical_conflict::Column;
    Ok(ical_conflict::Entity::find()
        .filter(Column::ResolvedAt.is_null())
        .filter(Column::CheckIn.lt(to))
        .filter(Column::CheckOut.gt(from))
        .order_by_asc(Column::CheckIn)
        .all(db)
        .await?)
}
