//! Harness building blocks.

pub mod admin;
pub mod app;
pub mod browser;
pub mod concierge;
pub mod conversation_fixtures;
pub mod database;
pub mod feed_stub;
pub mod fixtures;
pub mod graph_stub;
pub mod http;
pub mod local_http;
pub mod mercadopago_stub;
pub mod payments;
pub mod private_redis;
pub mod processes;
pub mod redis_ns;
pub mod servers;
pub mod smtp_server;
pub mod stt_stub;
pub mod tls_servers;
pub mod wait;
pub mod webhooks;
pub mod worker;

pub use app::TestApp;
pub use database::{TestDb, admin_url};
pub use http::{Reply, reply};
pub use redis_ns::TestRedis;
pub use wait::wait_until;
