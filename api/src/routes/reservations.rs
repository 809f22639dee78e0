//! `POST /reservations`, `GET /reservations/{code}`.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Json};
use shared::service::{
    HoldPolicy, booking,
    overlaps::{self, Requester},
    reservations,
};

use super::{ApiTags, reservation_code};
use crate::{
    client_ip::ClientIp,
    dto::constraints::{Doc, ReservationCode as CodeRule},
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

/// Validates and holds a stay for a public client (shared with the legacy path): the
/// hold-hoarding limits apply and the client's IP is stored on the hold.
pub async fn pre_reserve(
    state: &AppState,
    body: CreateReservationBody,
    client_ip: ClientIp,
) -> Result<Created, ApiError> {
    let request = body.into_request().map_err(ApiError::validation)?;
    let policy = HoldPolicy::Public {
        client_ip: client_ip.0,
    };
    let booked = booking::pre_reserve(&state.db, &state.rules, &request, policy).await;
    let requester = Requester::Guest(request.channel);
    let row = overlaps::counted(&state.redis, &state.keys, requester, booked).await?;
    Ok(Created::Created(Json(row.into())))
}

#[OpenApi(tag = "ApiTags::Reservations")]
impl ReservationsApi {
    /// Pre-reserve a stay
    ///
    /// Holds the nights for 30 minutes (configurable) while the guest pays the deposit.
    /// `409 date_overlap` when any night is taken (back-to-back stays are fine);
    /// `422 validation_error` lists every bad field; `404` for an unknown accommodation;
    /// `429 too_many_holds` when the guest's phone or network already holds too many
    /// pre-reservations (the limit hit is in `details`).
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
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "A unique key (e.g. a UUID) per intended reservation; retries reuse it."
        )
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        client_ip: ClientIp,
        body: Json<CreateReservationBody>,
    ) -> Result<Created, ApiError> {
        pre_reserve(&state, body.0, client_ip).await
    }

    /// Look up a reservation
    ///
    /// Status, dates and amounts; the guest's name is masked and no phone or email is shown.
    #[oai(path = "/reservations/:code", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        /// Reservation code, e.g. `RES260110K7QX2M`.
        code: Path<Doc<String, CodeRule>>,
    ) -> Result<Json<ReservationPublicView>, ApiError> {
        let row = reservations::find(&state.db, &reservation_code(&code.0.0)?).await?;
        Ok(Json(row.into()))
    }
}
