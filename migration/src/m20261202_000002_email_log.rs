//! Guest notices (issue 9): `email_log`, one row per reservation and lifecycle event with the
//! outcome of its email, and `reservations.reminded_at`, when the "about to lapse" notice of a
//! hold was enqueued (so the every-minute scan enqueues it once).
//!
//! The unique key (reservation, event) is what makes a notice idempotent: a retry after a
//! sent email finds the row `sent` and does nothing.

use sea_orm_migration::prelude::*;

/// Adds `email_log` and `reservations.reminded_at`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000002_email_log"
    }
}

const UP: &str = r#"
CREATE TABLE email_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reservation_id BIGINT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    event          TEXT NOT NULL
        CHECK (event IN ('hold_created', 'confirmed', 'expiring', 'expired', 'cancelled')),
    recipient      TEXT CHECK (length(recipient) <= 320),
    subject        TEXT CHECK (length(subject) <= 500),
    outcome        TEXT NOT NULL CHECK (outcome IN ('pending', 'sent', 'failed', 'skipped')),
    error          TEXT CHECK (length(error) <= 2000),
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at        TIMESTAMPTZ,
    CONSTRAINT email_log_sent_stamped CHECK ((outcome = 'sent') = (sent_at IS NOT NULL))
);
CREATE UNIQUE INDEX email_log_reservation_event_key ON email_log (reservation_id, event);
CREATE INDEX email_log_created_idx ON email_log (created_at);

ALTER TABLE reservations ADD COLUMN reminded_at TIMESTAMPTZ;
CREATE INDEX reservations_hold_reminder_idx
    ON reservations (expires_at) WHERE status = 'pre_reserved' AND reminded_at IS NULL;
"#;

const DOWN: &str = r#"
DROP INDEX IF EXISTS reservations_hold_reminder_idx;
ALTER TABLE reservations DROP COLUMN IF EXISTS reminded_at;
DROP TABLE IF EXISTS email_log;
"#;

crate::sql_migration!(UP, DOWN);
