//! `POST /quotes`.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::quote;

use super::ApiTags;
use crate::{
    dto::quote::{QuoteRequestBody, QuoteView},
    error::ApiError,
    state::AppState,
};

/// Quote endpoints.
pub struct QuotesApi;

#[OpenApi(tag = "ApiTags::Quotes")]
impl QuotesApi {
    /// Quote a stay
    ///
    /// The price of every night (weekend nights cost base × the weekend multiplier), the total,
    /// the deposit due up front, and whether the nights are free right now.
    #[oai(path = "/quotes", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        body: Json<QuoteRequestBody>,
    ) -> Result<Json<QuoteView>, ApiError> {
        let (priced, available) = quote::quote(&state.db, &state.rules, &body.0.into()).await?;
        Ok(Json(QuoteView::new(&priced, available)))
    }
}
