//! `GET /admin/health`: the owner's operations panel.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::operations_health;

use crate::{
    auth::OwnerAuth,
    dto::admin::health::AdminHealthView,
    error::ApiError,
    routes::{ApiTags, health::check_health},
    state::AppState,
};

/// Operations panel endpoint.
pub struct AdminHealthApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminHealthApi {
    /// Operations panel
    ///
    /// The health checks of `/healthz` (database, Redis, calendars, queue backlog, worker
    /// heartbeat); p95 latency and error rate of this API process's requests in the last 5
    /// minutes; the last sync of every channel feed; jobs given up on; webhook deliveries that
    /// failed or were refused. Owner only.
    #[oai(path = "/health", method = "get")]
    async fn health(
        &self,
        _auth: OwnerAuth,
        state: Data<&AppState>,
    ) -> Result<Json<AdminHealthView>, ApiError> {
        let now = state.rules.clock.now();
        let (checks, snapshot) = tokio::join!(
            check_health(&state),
            operations_health::snapshot(&state.db, now)
        );
        Ok(Json(AdminHealthView::new(
            checks,
            state.requests.summary(),
            snapshot?,
        )))
    }
}
