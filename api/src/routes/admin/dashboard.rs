//! `GET /admin/dashboard/stats`.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::dashboard;

use crate::{
    auth::AdminAuth, dto::admin::dashboard::DashboardView, error::ApiError, routes::ApiTags,
    state::AppState,
};

/// Dashboard endpoint.
pub struct AdminDashboardApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminDashboardApi {
    /// Dashboard figures
    ///
    /// Reservations by status, open pre-reservations, revenue (confirmed and paid) this month
    /// and in total, occupancy per accommodation this month, arrivals and departures today and
    /// tomorrow, and how many double bookings the database refused.
    #[oai(path = "/dashboard/stats", method = "get")]
    async fn stats(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
    ) -> Result<Json<DashboardView>, ApiError> {
        let stats = dashboard::stats(&state.db, &state.redis, &state.keys, &state.rules).await?;
        Ok(Json(stats.into()))
    }
}
