//! Use-cases: each takes a connection, owns its transaction and returns domain results.

pub mod availability;
pub mod booking;
pub mod demo;
pub mod expiry;
pub mod failed_jobs;
pub mod idempotency;
pub mod quote;
pub mod rules;
pub mod transitions;
pub mod webhook_monitor;
pub mod webhooks;
pub mod whatsapp;

pub use rules::BookingRules;
