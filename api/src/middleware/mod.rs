//! HTTP middleware: trace ids, request metrics, body size limits, idempotency keys.

pub mod body_limit;
pub mod idempotency;
pub mod metrics;
pub mod trace_id;
