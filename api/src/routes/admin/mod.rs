//! The admin API (`/api/v1/admin`): every route requires an admin token except login.

pub mod accommodations;
pub mod blocks;
pub mod calendar;
pub mod config;
pub mod conversations;
pub mod dashboard;
pub mod guests;
pub mod health;
pub mod ical_feeds;
pub mod nlu;
pub mod operations;
pub mod payments;
pub mod reservation_list;
pub mod reservations;
pub mod session;
