//! Hold-count indexes that serve a bound status (issue 14).
//!
//! The hold-limit counts now bind the status (`status = $4`) instead of spelling
//! `'pre_reserved'` in the SQL. A partial index `WHERE status = 'pre_reserved'` serves only a
//! plan built for that literal: PostgreSQL switches a prepared statement (sqlx prepares every
//! query) to its *generic* plan after five runs, and a generic plan cannot prove a parameter
//! equals the index's predicate, so it would filter every hold instead (booking throughput
//! halved the last time a count lost its index). Status therefore leads each index as a
//! column. The tables are small enough for a plain (locking) build inside the migration's
//! transaction. `tests/tests/integration/hold_limit_plans.rs` checks the generic plans.
//!
//! The other statements binding a status were checked the same way and need no change: the
//! expiry sweep's generic plan reads `reservations_status_idx` (only open or lapsed holds are
//! `pre_reserved`, so few rows), the targeted expiry and the active-window query read
//! `reservations_accommodation_dates_idx`, and the open-link lookup `payments_reservation_idx`.
//! `reservations_open_holds_idx` and `payments_open_link_key` now serve only literal plans
//! (the latter still enforces one open link per hold window).

use sea_orm_migration::prelude::*;

/// Replaces the partial hold-count indexes with ones led by the status.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_hold_count_indexes"
    }
}

// `guest_phone = $1` and the range on `client_ip` imply the `IS NOT NULL` predicates, which
// PostgreSQL proves for a parameter too; they keep staff bookings (no phone, no IP) out.
const UP: &str = r#"
CREATE INDEX reservations_holds_by_phone_idx
    ON reservations (status, guest_phone, expires_at) WHERE guest_phone IS NOT NULL;
CREATE INDEX reservations_holds_by_ip_idx
    ON reservations (status, client_ip, expires_at) WHERE client_ip IS NOT NULL;
DROP INDEX IF EXISTS reservations_open_holds_by_phone_idx;
DROP INDEX IF EXISTS reservations_client_ip_holds_idx;
"#;

const DOWN: &str = r#"
CREATE INDEX IF NOT EXISTS reservations_open_holds_by_phone_idx
    ON reservations (guest_phone, expires_at) WHERE status = 'pre_reserved';
CREATE INDEX IF NOT EXISTS reservations_client_ip_holds_idx ON reservations (client_ip, expires_at)
    WHERE status = 'pre_reserved' AND client_ip IS NOT NULL;
DROP INDEX IF EXISTS reservations_holds_by_ip_idx;
DROP INDEX IF EXISTS reservations_holds_by_phone_idx;
"#;

crate::sql_migration!(UP, DOWN);
