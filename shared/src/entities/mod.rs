//! sea-orm entities, one table per file.

pub mod accommodation;
pub mod admin_user;
pub mod audit_log;
pub mod payment;
pub mod payment_alert;
pub mod reservation;
