//! `POST /reservations/{code}/payment-link`.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Json};
use shared::service::payment_link;

use super::{ApiTags, reservation_code};
use crate::{
    dto::{
        constraints::{Doc, ReservationCode as CodeRule},
        payment::PaymentLinkView,
    },
    error::ApiError,
    state::AppState,
};

/// Payment endpoints.
pub struct PaymentsApi;

/// The deposit's checkout link.
#[derive(ApiResponse)]
pub enum LinkResponse {
    /// A new link was created at Mercado Pago.
    #[oai(status = 201)]
    Created(Json<PaymentLinkView>),
    /// The hold's existing link, still valid.
    #[oai(status = 200)]
    Existing(Json<PaymentLinkView>),
}

#[OpenApi(tag = "ApiTags::Payments")]
impl PaymentsApi {
    /// Get the deposit's payment link
    ///
    /// Creates a Mercado Pago Checkout Pro link for the deposit of a pre-reservation, valid
    /// until the hold lapses; calling again returns the same link (200) instead of a new one.
    /// `409 hold_expired` when the hold lapsed, `409 reservation_not_payable` when the
    /// reservation is not waiting for a deposit; `404` for an unknown code; `503` when Mercado
    /// Pago cannot be reached (retry).
    #[oai(path = "/reservations/:code/payment-link", method = "post")]
    async fn payment_link(
        &self,
        state: Data<&AppState>,
        /// Reservation code, e.g. `RES260110K7QX2M`.
        code: Path<Doc<String, CodeRule>>,
    ) -> Result<LinkResponse, ApiError> {
        let code = reservation_code(&code.0.0)?;
        let link = payment_link::payment_link(
            &state.db,
            &state.mercadopago,
            state.rules.clock.as_ref(),
            &state.payment_links,
            &code,
        )
        .await?;
        Ok(if link.created {
            LinkResponse::Created(Json(link.into()))
        } else {
            LinkResponse::Existing(Json(link.into()))
        })
    }
}
