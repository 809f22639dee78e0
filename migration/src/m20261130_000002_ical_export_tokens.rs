//! One iCal export token per consuming channel (issue 8, docs/adr/0081).
//!
//! `ical_export_token` stays the generic feed's token; Airbnb and Booking.com each get their
//! own, so each feed can leave out the stays that channel sent us and each URL can be rotated
//! alone. The tokens sit on the accommodation row, each under a unique index, so a feed
//! addressed by its token alone is found by one indexed query (a `BitmapOr` over the three
//! indexes). Existing rows get fresh random tokens: two `gen_random_uuid()` (122 random bits
//! each, from PostgreSQL's strong random source) without dashes, 64 hex characters.

use sea_orm_migration::prelude::*;

/// Adds `ical_token_airbnb` and `ical_token_booking` to `accommodations`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000002_ical_export_tokens"
    }
}

const UP: &str = r#"
ALTER TABLE accommodations
    ADD COLUMN ical_token_airbnb TEXT NOT NULL
        DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
        CHECK (length(ical_token_airbnb) >= 32),
    ADD COLUMN ical_token_booking TEXT NOT NULL
        DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
        CHECK (length(ical_token_booking) >= 32);
CREATE UNIQUE INDEX accommodations_ical_token_airbnb_key ON accommodations (ical_token_airbnb);
CREATE UNIQUE INDEX accommodations_ical_token_booking_key ON accommodations (ical_token_booking);
"#;

const DOWN: &str = r#"
ALTER TABLE accommodations DROP COLUMN ical_token_booking, DROP COLUMN ical_token_airbnb;
"#;

crate::sql_migration!(UP, DOWN);
