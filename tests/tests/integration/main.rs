//! Integration tests against real PostgreSQL and Redis, one file per feature.

mod cors;
mod end_to_end;
mod hold_limits;
mod http_helpers;
mod rate_limit;
mod security_headers;
