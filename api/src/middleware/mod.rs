//! HTTP middleware: trace ids, request metrics, body size limits and read deadlines, idempotency keys, rate
//! limits, CORS and security headers. The order they are layered in is explained in
//! `startup::build_app`.

pub mod body_limit;
pub mod body_timeout;
pub mod cors;
pub mod idempotency;
pub mod metrics;
pub mod rate_limit;
pub mod security_headers;
pub mod trace_id;
