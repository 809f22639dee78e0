//! Paths kept from the system this replaces; its clients and scripts call them as they are.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::booking::ContactFieldNames;

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
    error::ApiError,
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
        reservations::pre_reserve(&state, body, ContactFieldNames::CONTACT, client_ip).await
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
