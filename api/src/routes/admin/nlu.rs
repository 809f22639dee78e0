//! `POST /admin/nlu/analyze`: what the WhatsApp concierge reads in a message, so the owner
//! (and tests) can see it. Any admin; nothing is stored.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::nlu;

use crate::{
    auth::AdminAuth,
    dto::admin::nlu::{AnalysisView, AnalyzeBody},
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Message-understanding endpoint.
pub struct AdminNluApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminNluApi {
    /// Read a guest message
    ///
    /// The intent, dates of stay, guests and named cabin the concierge's rules find in a
    /// text, relative to today in the business time zone. A blank text or one over 4,096
    /// characters is a 422.
    #[oai(path = "/nlu/analyze", method = "post")]
    async fn analyze(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        body: Json<AnalyzeBody>,
    ) -> Result<Json<AnalysisView>, ApiError> {
        let today = state.rules.clock.today(state.rules.timezone);
        let analysis = nlu::analyze(&state.db, &body.0.text.0, today).await?;
        Ok(Json(analysis.into()))
    }
}
