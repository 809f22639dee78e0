//! Queries on `ical_feeds`, and the release of a feed's standing blocks when it goes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::query::{Page, Paged};
use crate::{
    Error, Result,
    domain::{FeedSource, ReservationStatus},
    entities::{
        ical_feed::{self, Column, Entity},
        reservation,
    },
};

/// Which feeds a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// Only this accommodation's feeds.
    pub accommodation_id: Option<i32>,
}

/// A feed to store (its URL already checked).
pub struct NewFeedRow {
    /// The accommodation whose nights it blocks.
    pub accommodation_id: i32,
    /// The channel publishing it.
    pub source: FeedSource,
    /// The checked URL (holds the channel's secret: never log it).
    pub url: String,
}

/// Stores a new feed, never synced. A second feed with the same URL for the same
/// accommodation breaks `ical_feeds_accommodation_url_key` (a `Conflict`).
pub async fn insert(
    db: &impl ConnectionTrait,
    row: NewFeedRow,
    now: DateTime<Utc>,
) -> Result<ical_feed::Model> {
    Ok(ical_feed::ActiveModel {
        accommodation_id: Set(row.accommodation_id),
        source: Set(row.source),
        url: Set(row.url),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// One feed, or `NotFound`.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<ical_feed::Model> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("iCal feed"))
}

/// The feed of an accommodation with this (checked) URL.
pub async fn find_by_url(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    url: &str,
) -> Result<Option<ical_feed::Model>> {
    Ok(Entity::find()
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::Url.eq(url))
        .one(db)
        .await?)
}

/// One feed locked `FOR UPDATE` until the transaction ends, or `NotFound`. The lock conflicts
/// with the `FOR KEY SHARE` lock a sync's insert of a block or conflict takes on the feed
/// (their foreign key), so a removal and a sync of the same feed run one after the other.
pub async fn find_locked(db: &impl ConnectionTrait, id: i64) -> Result<ical_feed::Model> {
    Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(Error::NotFound("iCal feed"))
}

/// One page of feeds, by accommodation then id, and the total.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: FeedFilter,
    page: Page,
) -> Result<Paged<ical_feed::Model>> {
    let mut query = Entity::find();
    if let Some(id) = filter.accommodation_id {
        query = query.filter(Column::AccommodationId.eq(id));
    }
    let total = query.clone().count(db).await?;
    let (offset, limit) = page.bounds();
    let items = query
        .order_by_asc(Column::AccommodationId)
        .order_by_asc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Paged { items, total })
}

/// The sources of the feeds `ids` (feeds since deleted are simply absent).
pub async fn sources(db: &impl ConnectionTrait, ids: Vec<i64>) -> Result<Vec<(i64, FeedSource)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|feed| (feed.id, feed.source))
        .collect())
}

/// Cancels the feed's standing blocks (its nights come free) with `reason`; returns how many.
pub async fn release_blocks(
    db: &impl ConnectionTrait,
    feed_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let released = reservation::Entity::update_many()
        .set(reservation::ActiveModel {
            status: Set(ReservationStatus::Cancelled),
            cancelled_at: Set(Some(now.into())),
            cancellation_reason: Set(Some(reason.to_owned())),
            updated_at: Set(now.into()),
            ..Default::default()
        })
        .filter(reservation::Column::IcalFeedId.eq(feed_id))
        .filter(reservation::Column::Status.eq(ReservationStatus::Blocked))
        .exec(db)
        .await?;
    Ok(released.rows_affected)
}

/// Deletes a feed row (its released blocks and resolved conflicts keep their history: the
/// foreign keys set their `ical_feed_id` to null).
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<()> {
    let deleted = Entity::delete_by_id(id).exec(db).await?;
    if deleted.rows_affected == 0 {
        return Err(Error::NotFound("iCal feed"));
    }
    Ok(())
}
