//! Integration tests against real PostgreSQL and Redis, one file per feature.

mod admin_accommodations;
mod admin_auth;
mod admin_calendar;
mod admin_config;
mod admin_dashboard;
mod admin_reservations;
mod end_to_end;
