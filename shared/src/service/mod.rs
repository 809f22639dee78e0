//! Use-cases: each takes a connection, owns its transaction and returns domain results.

pub mod accommodations;
pub mod admin_auth;
pub mod admin_lockout;
pub mod admin_reservations;
pub mod admin_sessions;
pub mod audit;
pub mod availability;
pub mod blocks;
pub mod booking;
pub mod calendar;
pub mod catalog;
pub mod dashboard;
pub mod demo;
pub mod expiry;
pub mod failed_jobs;
pub mod hold_limits;
pub mod ical_export;
pub mod ical_feeds;
pub mod ical_reconcile;
pub mod ical_sync;
pub mod overlaps;
pub mod payment_alerts;
pub mod payment_link;
pub mod payment_poll;
pub mod payments;
pub mod quote;
pub mod reservations;
pub mod retry;
pub mod rules;
pub mod transitions;
pub mod webhook_monitor;
pub mod webhook_refusals;
pub mod webhooks;
pub mod whatsapp;

pub use hold_limits::{HoldLimits, HoldPolicy};
pub use rules::BookingRules;
