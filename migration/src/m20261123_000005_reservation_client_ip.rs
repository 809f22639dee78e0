//! The client IP a public pre-reservation came from, so active holds can be counted per IP
//! (hold-hoarding limits). Staff bookings and rows from before this change have none.

use sea_orm_migration::prelude::*;

/// Adds `reservations.client_ip` and the index that counts active holds by IP.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_reservation_client_ip"
    }
}

// The index is partial on open holds: it stays small (holds last minutes) and serves
// "active holds of this IP" (`status = 'pre_reserved' AND expires_at > now`) by itself.
// Counting by phone uses the existing `reservations_guest_phone_idx`.
const UP: &str = r#"
ALTER TABLE reservations ADD COLUMN client_ip INET NULL;
CREATE INDEX reservations_client_ip_holds_idx ON reservations (client_ip, expires_at)
    WHERE status = 'pre_reserved' AND client_ip IS NOT NULL;
"#;

const DOWN: &str = r#"
DROP INDEX IF EXISTS reservations_client_ip_holds_idx;
ALTER TABLE reservations DROP COLUMN IF EXISTS client_ip;
"#;

crate::sql_migration!(UP, DOWN);
