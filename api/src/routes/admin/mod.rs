//! The admin API (`/api/v1/admin`): every route requires an admin token except login.

pub mod accommodations;
pub mod config;
pub mod reservations;
pub mod session;
