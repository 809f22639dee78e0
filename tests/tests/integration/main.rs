//! Integration tests against real PostgreSQL and Redis, one file per feature.

mod end_to_end;
mod payments_link;
mod payments_reconcile;
mod payments_reconcile_errors;
