//! Test harness for the integration tests: per-test PostgreSQL databases cloned from a
//! migrated template, per-test Redis namespaces, the app in process or as real servers, and
//! `wait_until` for polling with a deadline.

pub mod harness;
