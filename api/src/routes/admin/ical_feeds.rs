//! `GET/POST /admin/ical-feeds`, `GET/DELETE /admin/ical-feeds/{id}`: the channel calendars
//! each accommodation imports; `GET /admin/ical-conflicts`: the events those calendars sent
//! for nights we already hold. Reading is for any admin; adding and removing feeds is for
//! the role that edits accommodations (the owner). Writes are audited by the service.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use shared::service::{
    ical_feeds::{self, ConflictFilter, Feed, FeedFilter},
    ical_sync,
};

use crate::{
    auth::{AdminAuth, OwnerAuth},
    dto::{
        admin::{
            ical_feed::{CreateIcalFeedBody, IcalFeedView, IcalSyncView},
            ical_feed_conflict::{ConflictStateName, IcalConflictView, conflict_state},
        },
        constraints::{Doc, PageNumber, PageSize, inner},
    },
    error::ApiError,
    middleware::idempotency::idempotent,
    pagination::{Page, PageParams},
    routes::ApiTags,
    state::AppState,
};

/// iCal feed and conflict endpoints.
pub struct AdminIcalFeedsApi;

/// Created.
#[derive(ApiResponse)]
pub enum IcalFeedCreated {
    /// The new feed (status `pending` until its first sync).
    #[oai(status = 201)]
    Created(Json<IcalFeedView>),
}

/// Removed.
#[derive(ApiResponse)]
pub enum IcalFeedRemoved {
    /// The feed is gone, its blocks released and its open conflicts closed.
    #[oai(status = 204)]
    Removed,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminIcalFeedsApi {
    /// List imported calendars
    ///
    /// The channel calendars (Airbnb, Booking.com, Vrbo, other) whose bookings block our
    /// nights, with the state of their last sync.
    #[oai(path = "/ical-feeds", method = "get")]
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Only this accommodation's feeds.
        accommodation_id: Query<Option<i32>>,
        /// Page number, from 1.
        page: Query<Option<Doc<i64, PageNumber>>>,
        /// Rows per page, 1 to 100 (default 20).
        page_size: Query<Option<Doc<i64, PageSize>>>,
    ) -> Result<Json<Page<IcalFeedView>>, ApiError> {
        let params = PageParams::from_query(inner(page.0), inner(page_size.0))?;
        let filter = FeedFilter {
            accommodation_id: accommodation_id.0,
        };
        let now = state.rules.clock.now();
        let paged = ical_feeds::list(&state.db, filter, params.into(), now).await?;
        Ok(Json(Page::of(paged, params)))
    }

    /// Import a channel's calendar
    ///
    /// Paste the calendar export URL the channel gives for this accommodation. Its bookings
    /// block our nights from the next sync on. A URL with a user name or password in it is
    /// refused (422); the same URL twice for one accommodation is a 409.
    #[oai(
        path = "/ical-feeds",
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
        body: Json<CreateIcalFeedBody>,
    ) -> Result<IcalFeedCreated, ApiError> {
        let feed = ical_feeds::create(
            &state.db,
            state.rules.clock.as_ref(),
            &auth.audit(),
            &body.0.into(),
        )
        .await?;
        Ok(IcalFeedCreated::Created(Json(feed.into())))
    }

    /// Read an imported calendar
    #[oai(path = "/ical-feeds/:id", method = "get")]
    async fn get(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Feed id.
        id: Path<i64>,
    ) -> Result<Json<IcalFeedView>, ApiError> {
        let now = state.rules.clock.now();
        Ok(Json(ical_feeds::get(&state.db, id.0, now).await?.into()))
    }

    /// Sync an imported calendar now
    ///
    /// Fetches the channel's calendar at once (instead of waiting for the next 5-minute
    /// cycle) and applies it; answers what changed. A failed fetch keeps the previous blocks
    /// and says why (`outcome` failed, `reason`, `detail`): still a 200, the sync itself ran.
    #[oai(path = "/ical-feeds/:id/sync", method = "post")]
    async fn sync(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Feed id.
        id: Path<i64>,
    ) -> Result<Json<IcalSyncView>, ApiError> {
        Ok(Json(sync_now(&state, id.0).await?))
    }

    /// Stop importing a calendar
    ///
    /// Removes the feed; the nights its bookings blocked come free at once, and its open
    /// conflicts are closed (`feed_deleted`).
    #[oai(
        path = "/ical-feeds/:id",
        method = "delete",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer."
        )
    )]
    async fn delete(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// Feed id.
        id: Path<i64>,
    ) -> Result<IcalFeedRemoved, ApiError> {
        ical_feeds::remove(&state.db, state.rules.clock.as_ref(), &auth.audit(), id.0).await?;
        Ok(IcalFeedRemoved::Removed)
    }

    /// Calendar conflicts
    ///
    /// Bookings a channel's calendar sent for nights one of our stays already holds, newest
    /// first. When `holder.kind` is `reservation`, the same nights were sold twice: contact
    /// one of the guests, then cancel our reservation or the channel's booking. When it is
    /// `block`, another block (the owner's or another channel's) holds the nights.
    #[oai(path = "/ical-conflicts", method = "get")]
    async fn conflicts(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// open (default), resolved or all.
        #[oai(name = "state")]
        conflict: Query<Option<Doc<String, ConflictStateName>>>,
        /// Only this accommodation's conflicts.
        accommodation_id: Query<Option<i32>>,
        /// Page number, from 1.
        page: Query<Option<Doc<i64, PageNumber>>>,
        /// Rows per page, 1 to 100 (default 20).
        page_size: Query<Option<Doc<i64, PageSize>>>,
    ) -> Result<Json<Page<IcalConflictView>>, ApiError> {
        let params = PageParams::from_query(inner(page.0), inner(page_size.0))?;
        let filter = ConflictFilter {
            state: conflict_state(inner(conflict.0).as_deref())
                .map_err(|e| ApiError::validation(vec![e]))?,
            accommodation_id: accommodation_id.0,
        };
        let paged = ical_feeds::list_conflicts(&state.db, filter, params.into()).await?;
        Ok(Json(Page::of(paged, params)))
    }
}

/// Syncs feed `id` now and reads the outcome (the admin route, the legacy import and the
/// dashboard).
pub async fn sync_now(state: &AppState, id: i64) -> shared::Result<IcalSyncView> {
    let report = ical_sync::sync_feed(&state.db, &state.ical_sync, id).await?;
    let feed = Feed::at(report.feed, state.rules.clock.now());
    Ok((report.outcome, feed).into())
}
