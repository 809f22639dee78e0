//! Making a feed's standing blocks match what the channel publishes.
//!
//! Keyed by the event UID: a known UID with new dates moves its block, a new UID adds one, a
//! UID gone from the feed releases its block. Past stays are left alone: an event that ended
//! is not imported, and a block that ended is never released. An event whose nights another
//! stay holds is not stored; it is recorded as a conflict and tried again on every sync (a
//! `304` too), so it lands as soon as the nights come free.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseTransaction;

use crate::{
    Result,
    domain::{ConflictResolution, FeedEvent, ReservationStatus, Stay},
    entities::ical_feed,
    store::{
        ical_blocks::{self, FeedBlocks},
        ical_sync::{self, NewConflict},
    },
};

/// What one sync changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Blocks added.
    pub imported: u64,
    /// Blocks moved to new dates.
    pub moved: u64,
    /// Blocks released (their event left the feed).
    pub released: u64,
    /// Conflicts found this time (collisions already on record are not counted again).
    pub new_conflicts: u64,
    /// Conflicts with one of our guests' stays among them.
    pub new_guest_conflicts: u64,
    /// Conflicts still open after the sync.
    pub open_conflicts: u64,
}

/// The time of a sync.
#[derive(Clone, Copy, Debug)]
pub struct SyncTime {
    /// Now.
    pub now: DateTime<Utc>,
    /// Today in the business timezone.
    pub today: NaiveDate,
}

/// An event to place: its UID, its nights, and the block already standing for it.
struct Wanted<'a> {
    uid: &'a str,
    stay: Stay,
    standing: Option<i64>,
}

/// Applies a feed to its blocks, in the caller's transaction (which holds the feed's lock).
/// `events` is the accepted feed, or `None` after a `304` (only open conflicts are retried).
pub async fn apply(
    txn: &DatabaseTransaction,
    feed: &ical_feed::Model,
    events: Option<&[FeedEvent]>,
    at: SyncTime,
) -> Result<Changes> {
    let mut changes = Changes::default();
    let standing = ical_blocks::standing(txn, feed.id).await?;
    let open = ical_sync::open_conflicts(txn, feed.id).await?;
    let by_uid: HashMap<&str, &ical_blocks::StandingBlock> = standing
        .iter()
        .map(|b| (b.external_uid.as_str(), b))
        .collect();
    // The events that should hold nights, whatever holds them now.
    let desired: Vec<(&str, Stay)> = match events {
        Some(events) => events
            .iter()
            .filter(|e| e.stay.check_out() > at.today)
            .map(|e| (e.uid.as_str(), e.stay))
            .collect(),
        None => open
            .iter()
            .filter_map(|c| Some((c.external_uid.as_str(), Stay::new(c.check_in, c.check_out)?)))
            .collect(),
    };
    let in_feed: Option<HashSet<&str>> =
        events.map(|events| events.iter().map(|e| e.uid.as_str()).collect());

    if let Some(in_feed) = &in_feed {
        let gone: Vec<i64> = standing
            .iter()
            .filter(|b| b.check_out > at.today && !in_feed.contains(b.external_uid.as_str()))
            .map(|b| b.id)
            .collect();
        changes.released =
            ical_blocks::release(txn, &gone, "released: gone from the channel's feed", at.now)
                .await?;
    }

    let wanted: Vec<Wanted> = desired
        .iter()
        .filter_map(|&(uid, stay)| match by_uid.get(uid) {
            Some(b) if (b.check_in, b.check_out) == (stay.check_in(), stay.check_out()) => None,
            Some(b) => Some(Wanted {
                uid,
                stay,
                standing: Some(b.id),
            }),
            None => Some(Wanted {
                uid,
                stay,
                standing: None,
            }),
        })
        .collect();

    let mut placed: HashSet<&str> = HashSet::new();
    for w in wanted.iter().filter(|w| w.standing.is_some()) {
        if let Some(id) = w.standing
            && ical_blocks::move_if_free(txn, id, w.stay, at.now).await?
        {
            placed.insert(w.uid);
            changes.moved += 1;
        }
    }
    let new: Vec<(&str, Stay)> = wanted
        .iter()
        .filter(|w| w.standing.is_none())
        .map(|w| (w.uid, w.stay))
        .collect();
    let of = FeedBlocks {
        accommodation_id: feed.accommodation_id,
        feed_id: feed.id,
        channel: feed.source.channel(),
        label: feed.source.block_label(),
    };
    let inserted = ical_blocks::insert_where_free(txn, of, &new, at.today, at.now).await?;
    changes.imported = inserted.len() as u64;
    let inserted: HashSet<&str> = inserted.iter().map(String::as_str).collect();
    placed.extend(
        new.iter()
            .map(|(uid, _)| *uid)
            .filter(|uid| inserted.contains(uid)),
    );

    let desired_by_uid: HashMap<&str, Stay> = desired.iter().copied().collect();
    let still_open = settle_open_conflicts(
        txn,
        &open,
        in_feed.as_ref(),
        &desired_by_uid,
        &placed,
        at.now,
    )
    .await?;
    for w in wanted.iter().filter(|w| !placed.contains(w.uid)) {
        if still_open.contains(w.uid) {
            continue;
        }
        let Some(holder) =
            ical_blocks::holder(txn, feed.accommodation_id, w.stay, w.standing).await?
        else {
            continue;
        };
        let conflict = NewConflict {
            feed_id: feed.id,
            accommodation_id: feed.accommodation_id,
            uid: w.uid,
            stay: w.stay,
            holder_id: holder.id,
        };
        if ical_sync::record_conflict(txn, conflict, at.now).await? {
            changes.new_conflicts += 1;
            if holder.status != ReservationStatus::Blocked {
                changes.new_guest_conflicts += 1;
                tracing::warn!(
                    feed_id = feed.id,
                    accommodation_id = feed.accommodation_id,
                    source = %feed.source,
                    check_in = %w.stay.check_in(),
                    check_out = %w.stay.check_out(),
                    holder_id = holder.id,
                    "double booking: the channel's feed blocks nights one of our guests holds"
                );
            }
        }
    }
    changes.open_conflicts = still_open.len() as u64 + changes.new_conflicts;
    Ok(changes)
}

/// Closes the open conflicts this sync settled (placed, gone, moved to other dates) and
/// touches the rest; returns the UIDs still open.
async fn settle_open_conflicts<'a>(
    txn: &DatabaseTransaction,
    open: &'a [crate::entities::ical_conflict::Model],
    in_feed: Option<&HashSet<&str>>,
    desired: &HashMap<&str, Stay>,
    placed: &HashSet<&str>,
    now: DateTime<Utc>,
) -> Result<HashSet<&'a str>> {
    let mut by_resolution: HashMap<ConflictResolution, Vec<i64>> = HashMap::new();
    let mut seen = Vec::new();
    let mut still_open = HashSet::new();
    for c in open {
        let uid = c.external_uid.as_str();
        let resolution = if placed.contains(uid) {
            Some(ConflictResolution::Placed)
        } else if in_feed.is_some_and(|uids| !uids.contains(uid)) {
            Some(ConflictResolution::Gone)
        } else {
            match desired.get(uid) {
                // Still in the feed but ended: nothing left to place.
                None => Some(ConflictResolution::Gone),
                Some(stay) if (stay.check_in(), stay.check_out()) != (c.check_in, c.check_out) => {
                    Some(ConflictResolution::Changed)
                }
                Some(_) => None,
            }
        };
        match resolution {
            Some(r) => by_resolution.entry(r).or_default().push(c.id),
            None => {
                seen.push(c.id);
                still_open.insert(uid);
            }
        }
    }
    for (resolution, ids) in by_resolution {
        ical_sync::resolve_conflicts(txn, &ids, resolution, now).await?;
    }
    ical_sync::touch_conflicts(txn, &seen, now).await?;
    Ok(still_open)
}
