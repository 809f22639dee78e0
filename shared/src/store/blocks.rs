//! Queries on blocked stays: rows of `reservations` with status `blocked`, closed by the owner
//! (no feed, no event UID) or imported from a channel's feed.
//!
//! A block is inserted with [`super::reservation_booking::book`] like any stay, so the exclusion
//! constraint judges its nights; this module reads blocks and releases the owner's.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, prelude::Uuid,
    sea_query::Expr,
};

use crate::{
    Result,
    domain::{FeedSource, ReservationStatus},
    entities::{
        ical_feed,
        reservation::{self, Column},
    },
};

/// Standing blocks of one accommodation sharing a night with `[from, to)`, in date order,
/// each with the source of the feed it was imported from (`None` for the owner's, and for an
/// imported block whose feed row is gone).
pub async fn standing_in_window(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(reservation::Model, Option<FeedSource>)>> {
    let rows = reservation::Entity::find()
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::Status.eq(ReservationStatus::Blocked))
        .filter(Column::CheckIn.lt(to))
        .filter(Column::CheckOut.gt(from))
        .order_by_asc(Column::CheckIn)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let feed_ids: Vec<i64> = rows.iter().filter_map(|r| r.ical_feed_id).collect();
    let sources: HashMap<i64, FeedSource> = if feed_ids.is_empty() {
        HashMap::new()
    } else {
        ical_feed::Entity::find()
            .filter(ical_feed::Column::Id.is_in(feed_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|feed| (feed.id, feed.source))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let source = row.ical_feed_id.and_then(|id| sources.get(&id).copied());
            (row, source)
        })
        .collect())
}

/// A stay of one accommodation by its uuid, in any status (callers decide what a released
/// block or a guest's stay means).
pub async fn find(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    id: Uuid,
) -> Result<Option<reservation::Model>> {
    Ok(reservation::Entity::find()
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::Uuid.eq(id))
        .one(db)
        .await?)
}

/// Cancels an owner block that still stands (status, timestamps and reason in one `UPDATE`);
/// `None` when no standing owner block has that row id. The status and origin checks are part
/// of the `UPDATE`, so two concurrent releases cannot both win and an imported block is never
/// touched.
pub async fn release_owner_block(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<Option<reservation::Model>> {
    let mut rows = reservation::Entity::update_many()
        .col_expr(Column::Status, Expr::value(ReservationStatus::Cancelled))
        .col_expr(Column::CancelledAt, Expr::value(now))
        .col_expr(Column::CancellationReason, Expr::value(reason))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(ReservationStatus::Blocked))
        .filter(Column::IcalFeedId.is_null())
        .filter(Column::ExternalUid.is_null())
        .exec_with_returning(db)
        .await?;
    Ok(rows.pop())
}
