//! `GET /admin/payments/alerts`: refunds owed, refunds and chargebacks that happened,
//! disputes, payments that could not be placed.

use poem::web::Data;
use poem_openapi::{OpenApi, param::Query, payload::Json};
use shared::service::payment_alerts;

use crate::{
    auth::AdminAuth,
    dto::{
        admin::payment::PaymentAlertView,
        constraints::{AlertLimit, Doc, inner},
    },
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Payment alert endpoint.
pub struct AdminPaymentsApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminPaymentsApi {
    /// Payment alerts
    ///
    /// What the owner must act on, newest first: open ones only unless `include_resolved`.
    #[oai(path = "/payments/alerts", method = "get")]
    async fn alerts(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Include alerts already resolved.
        include_resolved: Query<Option<bool>>,
        /// At most this many (default 100, max 500).
        limit: Query<Option<Doc<u64, AlertLimit>>>,
    ) -> Result<Json<Vec<PaymentAlertView>>, ApiError> {
        let alerts = payment_alerts::list_payment_alerts(
            &state.db,
            include_resolved.0.unwrap_or(false),
            inner(limit.0).unwrap_or(100),
        )
        .await?;
        Ok(Json(alerts.into_iter().map(Into::into).collect()))
    }
}
