//! Request and response types of the HTTP API (money as decimal strings with two places).
//!
//! One rule for optional response fields: a value that is absent is left out of the JSON,
//! never sent as `null` (every response struct with an `Option` field carries
//! `#[oai(skip_serializing_if_is_none)]`). The OpenAPI document lists such fields as not
//! required and non-nullable, so a `null` would break the clients generated from it.

pub mod accommodation;
pub mod admin;
pub mod availability;
pub mod constraints;
pub mod health;
pub mod payment;
pub mod quote;
pub mod reservation;
