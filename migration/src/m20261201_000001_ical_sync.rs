//! Calendar sync (issue 8): the channel feeds we import, the nights they block, owner blocks,
//! and the collisions the import finds.
//!
//! A blocked stay (imported from a channel's feed, or closed by the owner) is a row of
//! `reservations` with status `blocked`, so the one exclusion constraint that forbids double
//! booking covers it: no guest can hold nights a block holds, and no block can land on a
//! guest's nights. The constraint is rebuilt with `blocked` among the statuses that occupy
//! nights. An imported block is keyed by its feed and the event's UID (unique while the block
//! stands). An event whose nights another stay already holds is not stored as a block; it is
//! recorded in `ical_conflicts` (one open record per feed and UID) and retried each sync.

use sea_orm_migration::prelude::*;

/// Adds `ical_feeds`, `ical_conflicts` and the `blocked` reservation status.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_ical_sync"
    }
}

const UP: &str = r#"
CREATE TABLE ical_feeds (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accommodation_id     INTEGER NOT NULL REFERENCES accommodations (id) ON DELETE CASCADE,
    source               TEXT NOT NULL CHECK (source IN ('airbnb', 'booking', 'vrbo', 'other')),
    url                  TEXT NOT NULL CHECK (length(url) BETWEEN 10 AND 2048),
    etag                 TEXT CHECK (length(etag) <= 512),
    last_modified        TEXT CHECK (length(last_modified) <= 128),
    last_attempt_at      TIMESTAMPTZ,
    last_success_at      TIMESTAMPTZ,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    event_count          INTEGER NOT NULL DEFAULT 0 CHECK (event_count >= 0),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ical_feeds_accommodation_url_key UNIQUE (accommodation_id, url)
);

ALTER TABLE reservations
    ADD COLUMN ical_feed_id BIGINT REFERENCES ical_feeds (id) ON DELETE SET NULL,
    ADD COLUMN external_uid TEXT CHECK (length(external_uid) <= 1024),
    DROP CONSTRAINT reservations_status_check,
    ADD CONSTRAINT reservations_status_check
        CHECK (status IN ('pre_reserved', 'confirmed', 'cancelled', 'expired', 'completed', 'blocked')),
    DROP CONSTRAINT reservations_no_overlap,
    ADD CONSTRAINT reservations_no_overlap EXCLUDE USING gist (
        accommodation_id WITH =,
        daterange(check_in, check_out, '[)') WITH &&
    ) WHERE (status IN ('pre_reserved', 'confirmed', 'blocked'));

-- The import's key: one standing block per feed and event UID (a released block keeps its
-- UID, and the UID may come back). Lookups go through the plain feed index.
CREATE UNIQUE INDEX reservations_feed_uid_key
    ON reservations (ical_feed_id, external_uid) WHERE status = 'blocked' AND ical_feed_id IS NOT NULL;
CREATE INDEX reservations_feed_idx ON reservations (ical_feed_id) WHERE ical_feed_id IS NOT NULL;

CREATE TABLE ical_conflicts (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ical_feed_id     BIGINT REFERENCES ical_feeds (id) ON DELETE SET NULL,
    accommodation_id INTEGER NOT NULL REFERENCES accommodations (id) ON DELETE CASCADE,
    external_uid     TEXT NOT NULL CHECK (length(external_uid) <= 1024),
    check_in         DATE NOT NULL,
    check_out        DATE NOT NULL,
    -- The stay already holding (some of) the nights: one of our reservations or another block.
    reservation_id   BIGINT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    detected_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at      TIMESTAMPTZ,
    resolution       TEXT CHECK (resolution IN ('placed', 'changed', 'gone', 'feed_deleted')),
    CONSTRAINT ical_conflicts_dates_ordered CHECK (check_in < check_out),
    CONSTRAINT ical_conflicts_resolution_stamped CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
CREATE UNIQUE INDEX ical_conflicts_open_key
    ON ical_conflicts (ical_feed_id, external_uid) WHERE resolved_at IS NULL;
CREATE INDEX ical_conflicts_detected_idx ON ical_conflicts (detected_at);
"#;

const DOWN: &str = r#"
DROP TABLE IF EXISTS ical_conflicts;
UPDATE reservations SET status = 'cancelled', cancelled_at = now() WHERE status = 'blocked';
DROP INDEX IF EXISTS reservations_feed_uid_key;
DROP INDEX IF EXISTS reservations_feed_idx;
ALTER TABLE reservations
    DROP CONSTRAINT reservations_no_overlap,
    ADD CONSTRAINT reservations_no_overlap EXCLUDE USING gist (
        accommodation_id WITH =,
        daterange(check_in, check_out, '[)') WITH &&
    ) WHERE (status IN ('pre_reserved', 'confirmed')),
    DROP CONSTRAINT reservations_status_check,
    ADD CONSTRAINT reservations_status_check
        CHECK (status IN ('pre_reserved', 'confirmed', 'cancelled', 'expired', 'completed')),
    DROP COLUMN external_uid,
    DROP COLUMN ical_feed_id;
DROP TABLE IF EXISTS ical_feeds;
"#;

crate::sql_migration!(UP, DOWN);
