//! Reliability checks against private servers: PostgreSQL and Redis started and stopped by
//! the test itself (never the shared ones), the real `api` and `worker` binaries as child
//! processes. Build the binaries first: `cargo build -p api -p worker` (`ops/test.sh` does).

mod postgres_restart;
mod redis_restart;
mod system;
mod worker_kill;
