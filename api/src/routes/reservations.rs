//! `POST /reservations`, `GET /reservations/{code}`.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Json};
use shared::{
    Error,
    domain::ReservationCode,
    service::{
        booking::{self, ContactFieldNames},
        dashboard,
    },
    store,
};

use super::ApiTags;
use crate::{
    dto::reservation::{CreateReservationBody, ReservationCreatedView, ReservationPublicView},
    error::ApiError,
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
    match booking::pre_reserve(&state.db, &state.rules, &request).await {
        Ok(row) => Ok(Created::Created(Json(row.into()))),
        Err(e) => {
            if e.is_date_overlap() {
                dashboard::record_overlap(&state.redis, &state.keys).await;
            }
            Err(e.into())
        }
    }
}

#[OpenApi(tag = "ApiTags::Reservations")]
impl ReservationsApi {
    /// Pre-reserve a stay
    ///
    /// Holds the nights for 30 minutes (configurable) while the guest pays the deposit.
    /// `409 date_overlap` when any night is taken (back-to-back stays are fine);
    /// `422 validation_error` lists every bad field; `404` for an unknown accommodation.
    #[oai(path = "/reservations", method = "post")]
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
