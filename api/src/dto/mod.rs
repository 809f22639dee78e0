//! Request and response types of the HTTP API (money as decimal strings with two places).

pub mod accommodation;
pub mod admin;
pub mod availability;
pub mod health;
pub mod payment;
pub mod quote;
pub mod reservation;
