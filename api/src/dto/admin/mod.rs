//! Request and response types of the admin API.

pub mod accommodation;
pub mod reservation;
pub mod session;
