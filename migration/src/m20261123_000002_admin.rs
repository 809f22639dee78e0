//! Admin users (owner login) and the audit log of every admin action and automatic change.

use sea_orm_migration::prelude::*;

/// Creates `admin_users` and `audit_log`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_admin"
    }
}

const UP: &str = r#"
CREATE TABLE admin_users (
    id               INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid             UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    email            TEXT NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'staff')),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    last_login_at    TIMESTAMPTZ,
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT admin_users_email_key UNIQUE (email)
);

CREATE TABLE audit_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Who acted: an admin (by email), the system (a job), a guest, or a provider.
    actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('admin', 'system', 'guest', 'provider')),
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    entity_kind     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    reservation_id  BIGINT REFERENCES reservations (id) ON DELETE SET NULL,
    before          JSONB,
    after           JSONB,
    trace_id        TEXT
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity_kind, entity_id, occurred_at);
CREATE INDEX audit_log_reservation_idx ON audit_log (reservation_id, occurred_at) WHERE reservation_id IS NOT NULL;
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);
"#;

const DOWN: &str = r#"
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS admin_users;
"#;

crate::sql_migration!(UP, DOWN);
