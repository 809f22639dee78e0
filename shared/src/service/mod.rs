//! Use-cases: each takes a connection, owns its transaction and returns domain results.

pub mod availability;
pub mod booking;
pub mod demo;
pub mod expiry;
pub mod hold_limits;
pub mod quote;
pub mod rules;
pub mod transitions;

pub use hold_limits::{HoldLimits, HoldPolicy};
pub use rules::BookingRules;
