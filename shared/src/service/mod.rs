//! Use-cases: each takes a connection, owns its transaction and returns domain results.

pub mod availability;
pub mod booking;
pub mod demo;
pub mod expiry;
pub mod payment_alerts;
pub mod payment_link;
pub mod payments;
pub mod quote;
pub mod rules;
pub mod transitions;

pub use rules::BookingRules;
