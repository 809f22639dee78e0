//! HTTP middleware: trace ids, request metrics (and the window of recent requests), body size limits and read deadlines, idempotency
//! keys, rate limits, CORS, security headers and `no-store` on admin responses. The order they
//! are layered in is explained in
//! `startup::build_app`.

pub mod body_limit;
pub mod body_timeout;
pub mod cors;
pub mod idempotency;
pub mod metrics;
pub mod no_store;
pub mod rate_limit;
pub mod request_window;
pub mod security_headers;
pub mod trace_id;
