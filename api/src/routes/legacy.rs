//! Paths kept from the system this replaces; its clients and scripts call them as they are.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::booking::BookingField;

use super::{
    ApiTags, accommodations,
    reservations::{self, Created},
};
use crate::{
    client_ip::ClientIp,
    dto::{
        accommodation::AccommodationView,
        reservation::{CreateReservationBody, LegacyPreReserveBody},
    },
    error::{ApiError, ErrorBody},
    state::AppState,
};

/// Legacy endpoints.
pub struct LegacyApi;

#[OpenApi(tag = "ApiTags::Compatibility")]
impl LegacyApi {
    /// Pre-reserve (legacy)
    ///
    /// Same as `POST /reservations` with the old field names (`contact_name`, `contact_phone`,
    /// `contact_email`).
    #[oai(path = "/reservations/pre-reserve", method = "post")]
    async fn pre_reserve(
        &self,
        state: Data<&AppState>,
        client_ip: ClientIp,
        body: Json<LegacyPreReserveBody>,
    ) -> Result<Created, ApiError> {
        let body = CreateReservationBody::from(body.0);
        reservations::pre_reserve(&state, body, client_ip)
            .await
            .map_err(with_legacy_names)
    }

    /// List accommodations (legacy)
    #[oai(path = "/reservations/accommodations", method = "get")]
    async fn accommodations(
        &self,
        state: Data<&AppState>,
    ) -> Result<Json<Vec<AccommodationView>>, ApiError> {
        accommodations::list_views(&state).await.map(Json)
    }
}

/// Renames the contact fields in an error's details (reported by their domain keys) to the
/// legacy body's names, so its clients see the fields they sent.
fn with_legacy_names(mut error: ApiError) -> ApiError {
    if let ApiError::Unprocessable(Json(ErrorBody { details, .. }))
    | ApiError::TooManyRequests(Json(ErrorBody { details, .. }), _) = &mut error
    {
        for detail in details.iter_mut().flatten() {
            if let Some(field) = BookingField::from_key(&detail.field) {
                detail.field = LegacyPreReserveBody::field_name(field).into();
            }
        }
    }
    error
}
