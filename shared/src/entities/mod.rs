//! sea-orm entities, one table per file.

pub mod accommodation;
pub mod reservation;
