//! Busy ranges of an accommodation in a window (no guest data).

use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;

use super::BookingRules;
use crate::{
    Error, FieldError, Result,
    domain::{ReservationStatus, date},
    store,
};

/// The longest window one availability query may cover.
pub const MAX_WINDOW_DAYS: i64 = 366;
/// The window used when the client gives no end.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;

/// A span of nights that cannot be booked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusyRange {
    /// First busy night.
    pub start: NaiveDate,
    /// Day after the last busy night.
    pub end: NaiveDate,
    /// `held` (pre-reserved, may free up) or `booked`.
    pub kind: BusyKind,
}

/// Why nights are busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusyKind {
    /// A pre-reservation that may still lapse.
    Held,
    /// A confirmed reservation, or nights blocked (booked on another channel or closed by
    /// the owner): a guest need not know which.
    Booked,
}

/// The window `[from, to)` after defaults (from today, 90 days) and checks.
pub fn window(
    rules: &BookingRules,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate)> {
    let from = from.unwrap_or_else(|| rules.clock.today(rules.timezone));
    let bad: Vec<FieldError> = [("from", Some(from)), ("to", to)]
        .into_iter()
        .filter_map(|(field, date)| date.and_then(|d| date::check(field, d).err()))
        .collect();
    if !bad.is_empty() {
        return Err(Error::Invalid(bad));
    }
    let to = to.unwrap_or(from + Duration::days(DEFAULT_WINDOW_DAYS));
    if to <= from {
        return Err(Error::Invalid(vec![FieldError::new(
            "to",
            "not_after_from",
            "`to` must be after `from`",
        )]));
    }
    if (to - from).num_days() > MAX_WINDOW_DAYS {
        return Err(Error::Invalid(vec![FieldError::new(
            "to",
            "window_too_long",
            format!("the window can cover at most {MAX_WINDOW_DAYS} days"),
        )]));
    }
    Ok((from, to))
}

/// The busy ranges of an active accommodation that touch `[from, to)`.
pub async fn busy_ranges(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    accommodation_id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<BusyRange>> {
    store::accommodations::find_active(db, accommodation_id).await?;
    let rows =
        store::reservations::active_in_window(db, accommodation_id, from, to, rules.clock.now())
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| BusyRange {
            start: r.check_in,
            end: r.check_out,
            kind: if r.status == ReservationStatus::PreReserved {
                BusyKind::Held
            } else {
                BusyKind::Booked
            },
        })
        .collect())
}
