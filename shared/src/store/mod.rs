//! Queries, each scoped by construction (by accommodation, by code, by window).

pub mod accommodations;
pub mod blocks;
pub mod conversation_admin;
pub mod conversations;
pub mod guest_data;
pub mod ical_blocks;
pub mod ical_conflicts;
pub mod ical_export;
pub mod ical_feeds;
pub mod ical_sync;
pub mod idempotency;
pub mod legacy_import;
pub mod legacy_source;
pub mod payments;
pub mod query;
pub mod reservation_booking;
pub mod reservation_search;
pub mod reservations;
