//! `GET/POST /admin/accommodations/{id}/blocks`, `DELETE /admin/accommodations/{id}/blocks/{block_id}`:
//! nights the owner closes, and the blocks standing on a calendar.
//!
//! Closing and releasing nights is an owner operation, like booking for a guest and editing a
//! stay (docs/adr/0040-admin-roles-and-sessions.md); staff may list.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use shared::service::{
    blocks,
    overlaps::{self, Requester},
};
use uuid::Uuid;

use crate::{
    auth::{AdminAuth, OwnerAuth},
    dto::admin::block::{BlockBody, BlockView},
    error::ApiError,
    middleware::idempotency::idempotent,
    routes::ApiTags,
    state::AppState,
};

/// Admin block endpoints.
pub struct AdminBlocksApi;

/// Created.
#[derive(ApiResponse)]
pub enum BlockCreated {
    /// The new block.
    #[oai(status = 201)]
    Created(Json<BlockView>),
}

/// Released.
#[derive(ApiResponse)]
pub enum BlockReleased {
    /// The nights are free again.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminBlocksApi {
    /// List blocked nights
    ///
    /// Standing blocks that share a night with `[from, to)`: the owner's (`source` = `owner`)
    /// and those imported from channel calendars (`source` = the feed's). Window defaults:
    /// from today, 90 days; at most 366 days.
    #[oai(path = "/accommodations/:id/blocks", method = "get")]
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Accommodation id.
        id: Path<i32>,
        /// First night of the window (default today).
        from: Query<Option<NaiveDate>>,
        /// Day after the last night of the window (default `from` + 90 days).
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<Vec<BlockView>>, ApiError> {
        let found = blocks::list(&state.db, &state.rules, id.0, from.0, to.0).await?;
        Ok(Json(found.into_iter().map(Into::into).collect()))
    }

    /// Close nights
    ///
    /// Blocks `[check_in, check_out)` for maintenance or personal use: guests cannot book
    /// those nights, the admin calendar shows them `blocked`, the iCal export `Not available`.
    /// `409 date_overlap` when any night is held by a reservation or another block (nothing
    /// is stored); `404` for an unknown or inactive accommodation.
    #[oai(
        path = "/accommodations/:id/blocks",
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
        /// Accommodation id.
        id: Path<i32>,
        body: Json<BlockBody>,
    ) -> Result<BlockCreated, ApiError> {
        let request = body.0.into_request(id.0);
        let created = blocks::create(&state.db, &state.rules, &auth.audit(), &request).await;
        let block = overlaps::counted(&state.redis, &state.keys, Requester::Owner, created).await?;
        Ok(BlockCreated::Created(Json(block.into())))
    }

    /// Release closed nights
    ///
    /// Frees the nights of one of the owner's blocks (it is kept as cancelled, "released by
    /// the owner"). `404` when the accommodation has no standing block with that id (also once
    /// released); `409 not_editable` for a block imported from a channel: remove the feed, or
    /// the event at the channel.
    #[oai(
        path = "/accommodations/:id/blocks/:block_id",
        method = "delete",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key replays the first answer."
        )
    )]
    async fn release(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// Accommodation id.
        id: Path<i32>,
        /// Block id.
        block_id: Path<Uuid>,
    ) -> Result<BlockReleased, ApiError> {
        blocks::release(
            &state.db,
            state.rules.clock.as_ref(),
            &auth.audit(),
            id.0,
            block_id.0,
        )
        .await?;
        Ok(BlockReleased::NoContent)
    }
}
