//! An index matching the hold-limit count by phone exactly (the count by IP already has
//! `reservations_client_ip_holds_idx`).
//!
//! The count runs on every public booking. Without an index on (key, expires_at) restricted to
//! holds, a planner with stale statistics (a table that grew fast since the last ANALYZE)
//! scanned every open hold instead; with this one it reads only the phone's own holds.

use sea_orm_migration::prelude::*;

/// Creates the hold-count index by phone.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_hold_limit_indexes"
    }
}

const UP: &str = r#"
CREATE INDEX reservations_open_holds_by_phone_idx
    ON reservations (guest_phone, expires_at) WHERE status = 'pre_reserved';
"#;

const DOWN: &str = r#"
DROP INDEX IF EXISTS reservations_open_holds_by_phone_idx;
"#;

crate::sql_migration!(UP, DOWN);
