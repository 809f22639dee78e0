//! Request and response types of the admin API.

pub mod accommodation;
pub mod block;
pub mod calendar;
pub mod conversation;
pub mod dashboard;
pub mod guest;
pub mod health;
pub mod ical_feed;
pub mod ical_feed_conflict;
pub mod nlu;
pub mod operations;
pub mod payment;
pub mod reservation;
pub mod reservation_csv;
pub mod reservation_filter;
pub mod session;
