//! `GET /admin/calendar` and the legacy `GET /admin/calendar/availability`.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{OpenApi, param::Query, payload::Json};
use shared::service::{availability, calendar};

use crate::{
    auth::AdminAuth,
    dto::admin::calendar::{CalendarView, LegacyAvailabilityView, LegacyDayView},
    dto::constraints::{Doc, YearMonth},
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Calendar endpoints.
pub struct AdminCalendarApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminCalendarApi {
    /// Month calendar
    ///
    /// Every night of the month for one accommodation: free, held, booked or blocked (taken on
    /// Airbnb/Booking.com/iCal), with the reservation's code, guest first name, status, source
    /// and the night's price.
    #[oai(path = "/calendar", method = "get")]
    async fn calendar(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Accommodation id.
        accommodation_id: Query<i32>,
        /// `YYYY-MM` (default: this month).
        month: Query<Option<Doc<String, YearMonth>>>,
    ) -> Result<Json<CalendarView>, ApiError> {
        let first = match month.0.as_ref().map(|m| m.0.as_str()) {
            Some(raw) => calendar::parse_month(raw)?,
            None => {
                let today = state.rules.clock.today(state.rules.timezone);
                calendar::parse_month(&today.format("%Y-%m").to_string())?
            }
        };
        let (accommodation, days) = calendar::nights(
            &state.db,
            &state.rules,
            accommodation_id.0,
            first,
            calendar::next_month(first),
        )
        .await?;
        Ok(Json(CalendarView {
            accommodation_id: accommodation.id,
            accommodation_name: accommodation.name,
            month: first.format("%Y-%m").to_string(),
            currency: accommodation.currency,
            days: days.into_iter().map(Into::into).collect(),
        }))
    }

    /// Availability of a date range (legacy)
    ///
    /// Kept for the scripts of the system this replaces: which nights of
    /// `[start_date, end_date)` are free.
    #[oai(path = "/calendar/availability", method = "get")]
    async fn legacy_availability(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Accommodation id.
        accommodation_id: Query<i32>,
        /// First night (default today).
        start_date: Query<Option<NaiveDate>>,
        /// Day after the last night (default start + 90 days).
        end_date: Query<Option<NaiveDate>>,
    ) -> Result<Json<LegacyAvailabilityView>, ApiError> {
        let (start, end) = availability::window(&state.rules, start_date.0, end_date.0)?;
        let (_, days) =
            calendar::nights(&state.db, &state.rules, accommodation_id.0, start, end).await?;
        let days: Vec<LegacyDayView> = days
            .into_iter()
            .map(|d| LegacyDayView {
                date: d.date,
                available: d.reservation.is_none(),
            })
            .collect();
        Ok(Json(LegacyAvailabilityView {
            accommodation_id: accommodation_id.0,
            start_date: start,
            end_date: end,
            unavailable_dates: days
                .iter()
                .filter(|d| !d.available)
                .map(|d| d.date)
                .collect(),
            days,
        }))
    }
}
