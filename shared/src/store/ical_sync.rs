//! Queries of the sync job: the feeds' sync state and the collisions it records.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    Result,
    db::stmt,
    domain::{ConflictResolution, Stay},
    entities::{ical_conflict, ical_feed},
    providers::ical_fetch::Validators,
};

/// Every feed, by id.
pub async fn all_feeds(db: &impl ConnectionTrait) -> Result<Vec<ical_feed::Model>> {
    Ok(ical_feed::Entity::find()
        .order_by_asc(ical_feed::Column::Id)
        .all(db)
        .await?)
}

/// Records a successful sync; `accepted` is the new body's validators and event count (`None`
/// after a 304: they stay as they were).
pub async fn record_success(
    db: &impl ConnectionTrait,
    id: i64,
    accepted: Option<(&Validators, i32)>,
    now: DateTime<Utc>,
) -> Result<()> {
    use ical_feed::Column;
    let mut update = ical_feed::Entity::update_many()
        .col_expr(Column::LastAttemptAt, Expr::value(now))
        .col_expr(Column::LastSuccessAt, Expr::value(now))
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(Column::ConsecutiveFailures, Expr::value(0))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id));
    if let Some((validators, events)) = accepted {
        update = update
            .col_expr(Column::Etag, Expr::value(validators.etag.clone()))
            .col_expr(
                Column::LastModified,
                Expr::value(validators.last_modified.clone()),
            )
            .col_expr(Column::EventCount, Expr::value(events));
    }
    update.exec(db).await?;
    Ok(())
}

/// Records a failed sync with what the owner should read.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use ical_feed::Column;
    ical_feed::Entity::update_many()
        .col_expr(Column::LastAttemptAt, Expr::value(now))
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(
            Column::ConsecutiveFailures,
            Expr::col(Column::ConsecutiveFailures).add(1),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// How many feeds have not synced successfully since `since` (never-synced feeds count from
/// their creation).
pub async fn stale_count(db: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<u64> {
    use ical_feed::Column;
    Ok(ical_feed::Entity::find()
        .filter(
            Condition::any().add(Column::LastSuccessAt.lt(since)).add(
                Condition::all()
                    .add(Column::LastSuccessAt.is_null())
                    .add(Column::CreatedAt.lt(since)),
            ),
        )
        .count(db)
        .await?)
}

/// Whether a feed has an open conflict.
pub async fn has_open_conflicts(db: &impl ConnectionTrait, feed_id: i64) -> Result<bool> {
    use ical_conflict::Column;
    Ok(ical_conflict::Entity::find()
        .filter(Column::IcalFeedId.eq(feed_id))
        .filter(Column::ResolvedAt.is_null())
        .count(db)
        .await?
        > 0)
}

/// The open conflicts of a feed.
pub async fn open_conflicts(
    db: &impl ConnectionTrait,
    feed_id: i64,
) -> Result<Vec<ical_conflict::Model>> {
    use ical_conflict::Column;
    Ok(ical_conflict::Entity::find()
        .filter(Column::IcalFeedId.eq(feed_id))
        .filter(Column::ResolvedAt.is_null())
        .all(db)
        .await?)
}

/// Closes conflicts with a resolution.
pub async fn resolve_conflicts(
    db: &impl ConnectionTrait,
    ids: &[i64],
    resolution: ConflictResolution,
    now: DateTime<Utc>,
) -> Result<()> {
    use ical_conflict::Column;
    if ids.is_empty() {
        return Ok(());
    }
    ical_conflict::Entity::update_many()
        .col_expr(Column::ResolvedAt, Expr::value(now))
        .col_expr(Column::Resolution, Expr::value(resolution))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::ResolvedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Marks open conflicts as seen again.
pub async fn touch_conflicts(
    db: &impl ConnectionTrait,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    use ical_conflict::Column;
    if ids.is_empty() {
        return Ok(());
    }
    ical_conflict::Entity::update_many()
        .col_expr(Column::LastSeenAt, Expr::value(now))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Where an unplaced event belongs.
#[derive(Clone, Copy, Debug)]
pub struct NewConflict<'a> {
    /// The feed.
    pub feed_id: i64,
    /// The accommodation.
    pub accommodation_id: i32,
    /// The event's UID.
    pub uid: &'a str,
    /// The nights the feed blocks.
    pub stay: Stay,
    /// The stay holding them.
    pub holder_id: i64,
}

/// Records an open conflict unless one is open for the feed and UID; true when recorded.
pub async fn record_conflict(
    db: &impl ConnectionTrait,
    conflict: NewConflict<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let result = db
        .execute_raw(stmt(
            "INSERT INTO ical_conflicts (ical_feed_id, accommodation_id, external_uid, check_in,
                 check_out, reservation_id, detected_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT DO NOTHING",
            vec![
                conflict.feed_id.into(),
                conflict.accommodation_id.into(),
                conflict.uid.into(),
                conflict.stay.check_in().into(),
                conflict.stay.check_out().into(),
                conflict.holder_id.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}
