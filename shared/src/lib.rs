//! Cabañas shared crate: the domain vocabulary and rules, sea-orm entities, configuration,
//! telemetry, connections, job payloads and the use-cases both processes run.
//!
//! It must not depend on poem or on the worker's wiring: HTTP lives in `api`, job
//! registration in `worker`.

pub mod auth;
pub mod clock;
pub mod concierge;
pub mod config;
pub mod config_email;
mod config_ical;
mod config_stt;
mod config_whatsapp;
pub mod db;
pub mod domain;
pub mod email;
pub mod entities;
pub mod error;
pub mod jobs;
pub mod mask;
pub mod nlu;
pub mod providers;
pub mod redis;
pub mod service;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod trace;

pub use error::{Error, FieldError, Result};
