//! Health and readiness views.

use poem_openapi::Object;

/// One dependency check.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CheckView {
    /// `up` or `down`.
    pub status: String,
    /// How long the check took, in milliseconds.
    pub latency_ms: u64,
    /// Why it is down: `unreachable` or `timed_out` (details are logged, never returned).
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
}

/// Health of the API and its dependencies.
#[derive(Debug, Clone, Object)]
pub struct HealthView {
    /// `healthy` or `unhealthy`.
    pub status: String,
    /// PostgreSQL.
    pub database: CheckView,
    /// Redis.
    pub redis: CheckView,
    /// Build version.
    pub version: String,
}

/// Whether the API takes traffic.
#[derive(Debug, Clone, Object)]
pub struct ReadyView {
    /// `ready` or `shutting_down`.
    pub status: String,
}
