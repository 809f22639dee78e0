//! `GET /accommodations`, `GET /accommodations/{id}`, `GET /accommodations/{id}/availability`.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Path, Query},
    payload::Json,
};
use shared::service::{availability, catalog};

use super::ApiTags;
use crate::{
    dto::{accommodation::AccommodationView, availability::AvailabilityView},
    error::ApiError,
    state::AppState,
};

/// Accommodation endpoints.
pub struct AccommodationsApi;

/// Every active accommodation (also served at the legacy path).
pub async fn list_views(state: &AppState) -> Result<Vec<AccommodationView>, ApiError> {
    let rows = catalog::list_active(&state.db).await?;
    Ok(rows.into_iter().map(AccommodationView::from).collect())
}

#[OpenApi(tag = "ApiTags::Accommodations")]
impl AccommodationsApi {
    /// List accommodations
    ///
    /// Every active accommodation with its prices and details.
    #[oai(path = "/accommodations", method = "get")]
    async fn list(&self, state: Data<&AppState>) -> Result<Json<Vec<AccommodationView>>, ApiError> {
        list_views(&state).await.map(Json)
    }

    /// Get an accommodation
    #[oai(path = "/accommodations/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        /// Accommodation id.
        id: Path<i32>,
    ) -> Result<Json<AccommodationView>, ApiError> {
        let row = catalog::find_active(&state.db, id.0).await?;
        Ok(Json(row.into()))
    }

    /// Busy nights of an accommodation
    ///
    /// The ranges `[check_in, check_out)` that cannot be booked in the window `[from, to)`
    /// (default: from today, 90 days; at most 366 days). No guest data.
    #[oai(path = "/accommodations/:id/availability", method = "get")]
    async fn availability(
        &self,
        state: Data<&AppState>,
        /// Accommodation id.
        id: Path<i32>,
        /// Window start, `YYYY-MM-DD` (default today).
        from: Query<Option<NaiveDate>>,
        /// Window end (exclusive), `YYYY-MM-DD` (default from + 90 days).
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<AvailabilityView>, ApiError> {
        let (from, to) = availability::window(&state.rules, from.0, to.0)?;
        let busy = availability::busy_ranges(&state.db, &state.rules, id.0, from, to).await?;
        Ok(Json(AvailabilityView {
            accommodation_id: id.0,
            from,
            to,
            busy: busy.into_iter().map(Into::into).collect(),
        }))
    }
}
