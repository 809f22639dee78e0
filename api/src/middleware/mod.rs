//! HTTP middleware: trace ids, request metrics, body size limits.

pub mod body_limit;
pub mod metrics;
pub mod trace_id;
