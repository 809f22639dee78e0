//! Queries on `ical_conflicts`: the owner's list of imported events that collide with a
//! stay we already hold, and their resolution when a feed is removed.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef,
};

use super::{
    ical_feeds,
    query::{Page, Paged},
};
use crate::{
    Error, Result,
    domain::{ConflictResolution, FeedSource},
    entities::{
        ical_conflict::{self, Column, Entity},
        reservation,
    },
};

/// Which conflicts a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConflictState {
    /// Still colliding: the owner has something to fix.
    #[default]
    Open,
    /// Over (placed, changed, gone, or the feed was removed).
    Resolved,
    /// Both.
    All,
}

/// Filters of the conflict list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConflictFilter {
    /// Open, resolved or all.
    pub state: ConflictState,
    /// Only this accommodation's conflicts.
    pub accommodation_id: Option<i32>,
}

/// A conflict with what the owner needs to act on it.
#[derive(Clone, Debug)]
pub struct ConflictRecord {
    /// The conflict row.
    pub conflict: ical_conflict::Model,
    /// The channel of the feed that sent the event (`None` once the feed is removed).
    pub source: Option<FeedSource>,
    /// The stay holding the nights: one of our reservations, or another block.
    pub holder: reservation::Model,
}

/// `ical_conflicts.reservation_id → reservations.id` (the entity declares no relations).
fn holder() -> RelationDef {
    Entity::belongs_to(reservation::Entity)
        .from(Column::ReservationId)
        .to(reservation::Column::Id)
        .into()
}

/// One page of conflicts, newest first, each with its holder and feed source, and the total.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: ConflictFilter,
    page: Page,
) -> Result<Paged<ConflictRecord>> {
    let mut cond = Condition::all();
    match filter.state {
        ConflictState::Open => cond = cond.add(Column::ResolvedAt.is_null()),
        ConflictState::Resolved => cond = cond.add(Column::ResolvedAt.is_not_null()),
        ConflictState::All => {}
    }
    if let Some(id) = filter.accommodation_id {
        cond = cond.add(Column::AccommodationId.eq(id));
    }
    let query = Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let (offset, limit) = page.bounds();
    let rows = query
        .join(JoinType::InnerJoin, holder())
        .select_also(reservation::Entity)
        .order_by_desc(Column::DetectedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let mut feed_ids: Vec<i64> = rows.iter().filter_map(|(c, _)| c.ical_feed_id).collect();
    feed_ids.sort_unstable();
    feed_ids.dedup();
    let sources = ical_feeds::sources(db, feed_ids).await?;
    let items = rows
        .into_iter()
        .map(|(conflict, holder)| {
            let holder = holder.ok_or_else(|| {
                Error::Internal(format!("conflict {} has no holder", conflict.id).into())
            })?;
            let source = conflict.ical_feed_id.and_then(|feed| {
                sources
                    .iter()
                    .find(|(id, _)| *id == feed)
                    .map(|(_, source)| *source)
            });
            Ok(ConflictRecord {
                conflict,
                source,
                holder,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Paged { items, total })
}

/// Resolves the feed's open conflicts with `resolution`; returns how many.
pub async fn resolve_open(
    db: &impl ConnectionTrait,
    feed_id: i64,
    resolution: ConflictResolution,
    now: DateTime<Utc>,
) -> Result<u64> {
    let resolved = Entity::update_many()
        .set(ical_conflict::ActiveModel {
            resolved_at: Set(Some(now.into())),
            resolution: Set(Some(resolution)),
            ..Default::default()
        })
        .filter(Column::IcalFeedId.eq(feed_id))
        .filter(Column::ResolvedAt.is_null())
        .exec(db)
        .await?;
    Ok(resolved.rows_affected)
}
