//! Integration tests against real PostgreSQL and Redis, one file per feature.

mod accommodations;
mod admin_accommodations;
mod admin_auth;
mod admin_calendar;
mod admin_config;
mod admin_dashboard;
mod admin_reservations;
mod availability;
mod concurrency;
mod cors;
mod database_invariants;
mod end_to_end;
mod errors_and_edges;
mod health;
mod hold_limits;
mod http_helpers;
mod legacy_paths;
mod metrics;
mod observability;
mod openapi;
mod quotes;
mod rate_limit;
mod reservation_lookup;
mod reservation_validation;
mod reservations;
mod security_headers;
