//! Integration tests against real PostgreSQL and Redis, one file per feature.

mod accommodations;
mod availability;
mod concurrency;
mod database_invariants;
mod end_to_end;
mod errors_and_edges;
mod health;
mod legacy_paths;
mod metrics;
mod observability;
mod openapi;
mod quotes;
mod reservation_lookup;
mod reservation_validation;
mod reservations;
