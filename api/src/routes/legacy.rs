//! Paths kept from the system this replaces; its clients and scripts call them as they are.

use poem::web::Data;
use poem_openapi::{OpenApi, payload::Json};
use shared::service::{booking::BookingField, ical_feeds};

use super::{
    ApiTags, accommodations, admin,
    reservations::{self, Created},
};
use crate::{
    auth::OwnerAuth,
    client_ip::ClientIp,
    dto::{
        accommodation::AccommodationView,
        admin::ical_feed::{IcalSyncView, LegacyIcalImportBody},
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

    /// Import a channel calendar now (legacy)
    ///
    /// Kept from the system this replaces: adds the calendar URL as a feed of the
    /// accommodation when it is not one yet (the source from the URL's host unless given),
    /// then syncs it at once, as `POST /admin/ical-feeds/{id}/sync` does. Admin only.
    #[oai(path = "/ical/import", method = "post")]
    async fn ical_import(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        body: Json<LegacyIcalImportBody>,
    ) -> Result<Json<IcalSyncView>, ApiError> {
        let feed = ical_feeds::find_or_create(
            &state.db,
            state.rules.clock.as_ref(),
            &auth.audit(),
            &body.0.feed(),
        )
        .await?;
        Ok(Json(
            admin::ical_feeds::sync_now(&state, feed.row.id).await?,
        ))
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
