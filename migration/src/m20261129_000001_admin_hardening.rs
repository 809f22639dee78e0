//! Admin hardening (issue 7): tokens that can be invalidated at once, revocations that survive
//! a Redis flush, and login lockout counted per account *and* client.
//!
//! - `admin_users.token_generation`: carried in every token and compared on each admin
//!   request; resetting the password or deactivating the account bumps it, so every token
//!   issued before stops working immediately.
//! - `revoked_tokens`: the `jti` of logged-out tokens until they would have expired anyway.
//! - `admin_login_failures`: failures per (admin, client network), replacing the per-account
//!   `failed_attempts`/`locked_until` columns, so failures from one network cannot lock the
//!   owner out from another.

use sea_orm_migration::prelude::*;

/// Adds the token generation, the revocation table and per-client login failures.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_admin_hardening"
    }
}

const UP: &str = r#"
ALTER TABLE admin_users
    ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0 CHECK (token_generation >= 0),
    DROP COLUMN failed_attempts,
    DROP COLUMN locked_until;

CREATE TABLE revoked_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at);

CREATE TABLE admin_login_failures (
    admin_user_id  INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    -- The client network: an IPv4 address, an IPv6 /64, or 'unknown'.
    client         TEXT NOT NULL,
    -- Attempts counted (reserved before the password is checked; a success deletes the row).
    failures       INTEGER NOT NULL CHECK (failures > 0),
    locked_until   TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (admin_user_id, client)
);
CREATE INDEX admin_login_failures_updated_at_idx ON admin_login_failures (updated_at);
"#;

const DOWN: &str = r#"
DROP TABLE IF EXISTS admin_login_failures;
DROP TABLE IF EXISTS revoked_tokens;
ALTER TABLE admin_users
    DROP COLUMN IF EXISTS token_generation,
    ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    ADD COLUMN locked_until TIMESTAMPTZ;
"#;

crate::sql_migration!(UP, DOWN);
