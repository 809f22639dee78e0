//! sea-orm entities, one table per file.

pub mod accommodation;
pub mod admin_login_failure;
pub mod admin_user;
pub mod audit_log;
pub mod conversation;
pub mod email_log;
pub mod failed_job;
pub mod ical_conflict;
pub mod ical_feed;
pub mod idempotency_key;
pub mod payment;
pub mod payment_alert;
pub mod reservation;
pub mod webhook_event;
pub mod whatsapp_contact;
pub mod whatsapp_message;
pub mod whatsapp_message_status;
