//! `POST /reservations`, `GET /reservations/{code}`.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Json};
use shared::{
    Error,
    domain::ReservationCode,
    service::booking::{self, ContactFieldNames},
    store,
};

use super::ApiTags;
use crate::{
    dto::reservation::{CreateReservationBody, ReservationCreatedView, ReservationPublicView},
    error::ApiError,
    middleware::idempotency::idempotent,
    state::AppState,
};

/// Reservation endpoints.
pub struct ReservationsApi;

/// A reservation was created.
#[derive(ApiResponse)]
pub enum Created {
    /// The nights are held until `expires_at`; pay the deposit to confirm.
    #[oai(status = 201)]
    Created(Json<ReservationCreatedView>),
}

/// Validates and holds a stay (shared with the legacy path).
pub async fn pre_reserve(
    state: &AppState,
    body: CreateReservationBody,
    names: ContactFieldNames,
) -> Result<Created, ApiError> {
    let request = body.into_request(names).map_err(ApiError::validation)?;
    let row = booking::pre_reserve(&state.db, &state.rules, &request).await?;
    Ok(Created::Created(Json(row.into())))
}

#[OpenApi(tag = "ApiTags::Reservations")]
impl ReservationsApi {
    /// Pre-reserve a stay
    ///
    /// Holds the nights for 30 minutes (configurable) while the guest pays the deposit.
    /// `409 date_overlap` when any night is taken (back-to-back stays are fine);
    /// `422 validation_error` lists every bad field; `404` for an unknown accommodation.
    ///
    /// Send an `Idempotency-Key` to retry safely: the same key with the same body replays the
    /// first answer (header `Idempotency-Replayed: true`); with another body → `422
    /// idempotency_key_reused`; while the first request still runs → `409
    /// idempotency_key_in_flight`. Keys are kept 48 hours.
    #[oai(
        path = "/reservations",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<String>",
            description = "A unique key (e.g. a UUID) per intended reservation; retries reuse it."
        )
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        body: Json<CreateReservationBody>,
    ) -> Result<Created, ApiError> {
        pre_reserve(&state, body.0, ContactFieldNames::GUEST).await
    }

    /// Look up a reservation
    ///
    /// Status, dates and amounts; the guest's name is masked and no phone or email is shown.
    #[oai(path = "/reservations/:code", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        /// Reservation code, e.g. `RES260110K7QX2M`.
        code: Path<String>,
    ) -> Result<Json<ReservationPublicView>, ApiError> {
        let code = ReservationCode::parse(&code.0).ok_or(Error::NotFound("reservation"))?;
        let row = store::reservations::find_by_code(&state.db, &code)
            .await?
            .ok_or(Error::NotFound("reservation"))?;
        Ok(Json(row.into()))
    }
}
