//! Dashboard view.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use poem_openapi::Object;
use rust_decimal::{Decimal, RoundingStrategy};
use shared::service::dashboard::{DashboardStats, Movement};

/// Occupancy of one accommodation.
#[derive(Debug, Clone, Object)]
pub struct OccupancyView {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Its name.
    pub name: String,
    /// Confirmed nights this month.
    pub booked_nights: i64,
    /// Booked nights / nights in the month, in per cent with two places.
    pub occupancy_percent: String,
}

/// An arrival or departure.
#[derive(Debug, Clone, Object)]
pub struct MovementView {
    /// Reservation code.
    pub code: String,
    /// Guest.
    pub guest_name: String,
    /// Accommodation.
    pub accommodation_name: String,
    /// Status.
    pub status: String,
    /// Arrival.
    pub check_in: NaiveDate,
    /// Departure.
    pub check_out: NaiveDate,
}

impl From<Movement> for MovementView {
    fn from(m: Movement) -> Self {
        Self {
            code: m.code.into(),
            guest_name: m.guest_name.into(),
            accommodation_name: m.accommodation_name,
            status: m.status.to_string(),
            check_in: m.check_in,
            check_out: m.check_out,
        }
    }
}

/// Revenue figures (amounts as decimal strings).
#[derive(Debug, Clone, Object)]
pub struct RevenueView {
    /// Total of confirmed/completed stays arriving this month.
    pub confirmed_this_month: String,
    /// Received toward stays arriving this month.
    pub paid_this_month: String,
    /// Total of all confirmed/completed stays.
    pub confirmed_total: String,
    /// Received toward all stays.
    pub paid_total: String,
    /// ISO 4217 currency.
    pub currency: String,
}

/// The owner's dashboard.
#[derive(Debug, Clone, Object)]
pub struct DashboardView {
    /// Today (business timezone).
    pub today: NaiveDate,
    /// This month, `YYYY-MM`.
    pub month: String,
    /// Reservations by status.
    pub reservations_by_status: BTreeMap<String, i64>,
    /// Holds not yet lapsed.
    pub open_pre_reservations: i64,
    /// Revenue.
    pub revenue: RevenueView,
    /// Occupancy per accommodation this month.
    pub occupancy: Vec<OccupancyView>,
    /// Arrivals today.
    pub arrivals_today: Vec<MovementView>,
    /// Arrivals tomorrow.
    pub arrivals_tomorrow: Vec<MovementView>,
    /// Departures today.
    pub departures_today: Vec<MovementView>,
    /// Departures tomorrow.
    pub departures_tomorrow: Vec<MovementView>,
    /// Double bookings the database refused.
    pub overlaps_prevented: i64,
}

fn split(
    movements: Vec<Movement>,
    today: NaiveDate,
    date_of: fn(&Movement) -> NaiveDate,
) -> (Vec<MovementView>, Vec<MovementView>) {
    let (on_today, later): (Vec<_>, Vec<_>) =
        movements.into_iter().partition(|m| date_of(m) == today);
    (
        on_today.into_iter().map(Into::into).collect(),
        later.into_iter().map(Into::into).collect(),
    )
}

impl From<DashboardStats> for DashboardView {
    fn from(s: DashboardStats) -> Self {
        let days = Decimal::from(s.days_in_month.max(1));
        let occupancy = s
            .occupancy
            .into_iter()
            .map(|o| OccupancyView {
                // Round, then pad: `{:.2}` alone truncates a Decimal (2/30 would read 6.66).
                occupancy_percent: format!(
                    "{:.2}",
                    (Decimal::from(o.booked_nights) * Decimal::ONE_HUNDRED / days)
                        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                ),
                accommodation_id: o.accommodation_id,
                name: o.name,
                booked_nights: o.booked_nights,
            })
            .collect();
        let (arrivals_today, arrivals_tomorrow) = split(s.arrivals, s.today, |m| m.check_in);
        let (departures_today, departures_tomorrow) = split(s.departures, s.today, |m| m.check_out);
        Self {
            today: s.today,
            month: s.month_start.format("%Y-%m").to_string(),
            reservations_by_status: s.by_status,
            open_pre_reservations: s.open_holds,
            revenue: RevenueView {
                confirmed_this_month: s.revenue_confirmed_month.to_string(),
                paid_this_month: s.revenue_paid_month.to_string(),
                confirmed_total: s.revenue_confirmed_total.to_string(),
                paid_total: s.revenue_paid_total.to_string(),
                currency: "ARS".into(),
            },
            occupancy,
            arrivals_today,
            arrivals_tomorrow,
            departures_today,
            departures_tomorrow,
            overlaps_prevented: s.overlaps_prevented,
        }
    }
}
