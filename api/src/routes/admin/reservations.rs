//! Reservation management: list, book, look up, confirm, cancel, edit.
//!
//! `GET` and `POST /admin/reservations` live in this one `OpenApi` impl: poem-openapi writes one
//! path entry per impl, so splitting a path's methods across impls puts the path twice in the
//! document (and a JSON reader keeps only one of them).

use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use shared::{
    domain::ReservationStatus,
    service::{
        admin_reservations,
        overlaps::{self, Requester},
        reservations, transitions,
    },
};

use crate::{
    auth::{AdminAuth, OwnerAuth},
    dto::admin::reservation::{
        AdminBookingBody, AdminReservationDetail, AdminReservationView, CancelBody,
        ReservationPatchBody,
    },
    dto::admin::reservation_filter::RawFilter,
    dto::constraints::{
        ChannelList, Doc, IsoDate, PageNumber, PageSize, ReservationCode as CodeRule, StatusList,
        inner,
    },
    error::ApiError,
    middleware::idempotency::idempotent,
    pagination::{Page, PageParams},
    routes::{ApiTags, reservation_code},
    state::AppState,
};

/// Admin reservation endpoints.
pub struct AdminReservationsApi;

/// Created.
#[derive(ApiResponse)]
pub enum AdminBooked {
    /// The new reservation.
    #[oai(status = 201)]
    Created(Json<AdminReservationView>),
}

async fn change_status(
    auth: &AdminAuth,
    state: &AppState,
    code: &str,
    to: ReservationStatus,
    reason: Option<&str>,
) -> Result<Json<AdminReservationView>, ApiError> {
    let code = reservation_code(code)?;
    let row = transitions::transition_notifying(
        &state.db,
        state.rules.clock.as_ref(),
        &auth.audit(),
        &code,
        to,
        reason,
        Some(&state.queue),
    )
    .await?;
    Ok(Json(row.into()))
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminReservationsApi {
    /// List reservations
    ///
    /// Server-side filters, search, sort and pagination: `{items, page, page_size, total}`.
    /// `from`/`to` select stays with a night in that window; unknown sort fields or values
    /// are a 422 listing the allowed ones.
    #[oai(path = "/reservations", method = "get")]
    #[allow(clippy::too_many_arguments)] // one argument per documented query parameter
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Page number, from 1.
        page: Query<Option<Doc<i64, PageNumber>>>,
        /// Rows per page, 1 to 100 (default 20).
        page_size: Query<Option<Doc<i64, PageSize>>>,
        /// Free text: guest name, phone, email or code.
        q: Query<Option<String>>,
        /// Comma-separated statuses: pre_reserved, confirmed, cancelled, expired, completed,
        /// blocked (default: all but blocked).
        status: Query<Option<Doc<String, StatusList>>>,
        /// Comma-separated channels: whatsapp, web, admin, airbnb, booking, ical, phone.
        channel: Query<Option<Doc<String, ChannelList>>>,
        /// Accommodation id.
        accommodation_id: Query<Option<i32>>,
        /// Stays with a night on or after this date, `YYYY-MM-DD`.
        from: Query<Option<Doc<String, IsoDate>>>,
        /// Stays with a night on or before this date, `YYYY-MM-DD`.
        to: Query<Option<Doc<String, IsoDate>>>,
        /// Comma-separated sort keys: check_in, check_out, created_at, total_price, guest_name,
        /// status, code (prefix `-` for descending; default `-created_at`).
        sort: Query<Option<String>>,
    ) -> Result<Json<Page<AdminReservationView>>, ApiError> {
        let params = PageParams::from_query(inner(page.0), inner(page_size.0))?;
        let query = RawFilter {
            q: q.0,
            status: inner(status.0),
            channel: inner(channel.0),
            accommodation_id: accommodation_id.0,
            from: inner(from.0),
            to: inner(to.0),
            sort: sort.0,
        }
        .into_query()?;
        let paged = reservations::list(&state.db, &query, params.into()).await?;
        Ok(Json(Page::of(paged, params)))
    }

    /// Book for a guest
    ///
    /// The owner books a stay (channel `admin` by default), optionally at a manual price and
    /// confirmed at once. Not subject to the public hold limits. `409 date_overlap` when the
    /// nights are taken.
    #[oai(
        path = "/reservations",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn create(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        body: Json<AdminBookingBody>,
    ) -> Result<AdminBooked, ApiError> {
        let booking = body
            .0
            .into_booking()
            .map_err(|e| ApiError::validation(vec![e]))?;
        let booked =
            admin_reservations::book(&state.db, &state.rules, &auth.audit(), &booking).await;
        let row = overlaps::counted(&state.redis, &state.keys, Requester::Owner, booked).await?;
        Ok(AdminBooked::Created(Json(row.into())))
    }

    /// Reservation detail
    ///
    /// Everything about a reservation, including guest data and the audit trail.
    #[oai(path = "/reservations/:code", method = "get")]
    async fn get(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Reservation code.
        code: Path<Doc<String, CodeRule>>,
    ) -> Result<Json<AdminReservationDetail>, ApiError> {
        let detail = reservations::detail(&state.db, &reservation_code(&code.0.0)?).await?;
        Ok(Json(AdminReservationDetail {
            reservation: detail.reservation.into(),
            accommodation_name: detail.accommodation_name,
            payments: detail.payments.into_iter().map(Into::into).collect(),
            audit: detail.audit.into_iter().map(Into::into).collect(),
        }))
    }

    /// Confirm a reservation
    ///
    /// `409 invalid_transition` unless it is pre-reserved.
    #[oai(
        path = "/reservations/:code/confirm",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn confirm(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        /// Reservation code.
        code: Path<Doc<String, CodeRule>>,
    ) -> Result<Json<AdminReservationView>, ApiError> {
        change_status(&auth, &state, &code.0.0, ReservationStatus::Confirmed, None).await
    }

    /// Cancel a reservation
    ///
    /// Frees the nights. `409 invalid_transition` unless it is pre-reserved or confirmed.
    #[oai(
        path = "/reservations/:code/cancel",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn cancel(
        &self,
        auth: AdminAuth,
        state: Data<&AppState>,
        /// Reservation code.
        code: Path<Doc<String, CodeRule>>,
        body: Json<CancelBody>,
    ) -> Result<Json<AdminReservationView>, ApiError> {
        change_status(
            &auth,
            &state,
            &code.0.0,
            ReservationStatus::Cancelled,
            Some(&body.reason.0),
        )
        .await
    }

    /// Edit a reservation
    ///
    /// Guest data, notes, guests and dates. A date change re-checks the nights through the
    /// database constraint (`409 date_overlap`). `409 not_editable` once it is over.
    #[oai(
        path = "/reservations/:code",
        method = "patch",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn update(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// Reservation code.
        code: Path<Doc<String, CodeRule>>,
        body: Json<ReservationPatchBody>,
    ) -> Result<Json<AdminReservationView>, ApiError> {
        let code = reservation_code(&code.0.0)?;
        let updated = admin_reservations::update(
            &state.db,
            &state.rules,
            &auth.audit(),
            &code,
            &body.0.into(),
        )
        .await;
        let row = overlaps::counted(&state.redis, &state.keys, Requester::Owner, updated).await?;
        Ok(Json(row.into()))
    }
}
