//! `GET/POST /admin/accommodations`, `PATCH /admin/accommodations/{id}`,
//! `POST /admin/accommodations/{id}/ical-token/rotate[?channel=airbnb|booking|generic]`.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use shared::service::{accommodations, catalog};

use crate::{
    auth::{AdminAuth, OwnerAuth},
    dto::admin::accommodation::{AccommodationBody, AdminAccommodationView, ExportChannel},
    error::ApiError,
    middleware::idempotency::idempotent,
    routes::ApiTags,
    state::AppState,
};

/// Admin accommodation endpoints.
pub struct AdminAccommodationsApi;

/// Created.
#[derive(ApiResponse)]
pub enum AccommodationCreated {
    /// The new accommodation.
    #[oai(status = 201)]
    Created(Json<AdminAccommodationView>),
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminAccommodationsApi {
    /// List all accommodations
    ///
    /// Active and inactive, with their iCal export tokens.
    #[oai(path = "/accommodations", method = "get")]
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
    ) -> Result<Json<Vec<AdminAccommodationView>>, ApiError> {
        let rows = catalog::list_all(&state.db).await?;
        Ok(Json(
            rows.into_iter()
                .map(|row| AdminAccommodationView::new(row, &state))
                .collect(),
        ))
    }

    /// Create an accommodation
    #[oai(
        path = "/accommodations",
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
        body: Json<AccommodationBody>,
    ) -> Result<AccommodationCreated, ApiError> {
        let row = accommodations::create(
            &state.db,
            state.rules.clock.as_ref(),
            &auth.audit(),
            &body.0.into(),
        )
        .await?;
        Ok(AccommodationCreated::Created(Json(
            AdminAccommodationView::new(row, &state),
        )))
    }

    /// Change an accommodation
    ///
    /// Prices, weekend multiplier and nights, capacity, photos, active, ... Only the fields
    /// sent change. Existing reservations keep the price they were booked at.
    #[oai(
        path = "/accommodations/:id",
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
        /// Accommodation id.
        id: Path<i32>,
        body: Json<AccommodationBody>,
    ) -> Result<Json<AdminAccommodationView>, ApiError> {
        let row = accommodations::update(
            &state.db,
            state.rules.clock.as_ref(),
            &auth.audit(),
            id.0,
            &body.0.into(),
        )
        .await?;
        Ok(Json(AdminAccommodationView::new(row, &state)))
    }

    /// Rotate an iCal export token
    ///
    /// Replaces the token of one export URL: `channel` = `airbnb`, `booking` or `generic`
    /// (the default, `ical_export_token`). That old URL stops working at once (404); the
    /// other channels' URLs keep working. Paste the new URL into that channel.
    #[oai(
        path = "/accommodations/:id/ical-token/rotate",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn rotate_ical_token(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// Accommodation id.
        id: Path<i32>,
        /// Whose URL gets the new token (default `generic`).
        channel: Query<Option<ExportChannel>>,
    ) -> Result<Json<AdminAccommodationView>, ApiError> {
        let row = accommodations::rotate_ical_token(
            &state.db,
            state.rules.clock.as_ref(),
            &auth.audit(),
            id.0,
            channel.0.unwrap_or(ExportChannel::Generic).into(),
        )
        .await?;
        Ok(Json(AdminAccommodationView::new(row, &state)))
    }
}
