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

/// Whether the channels' calendars are being synced.
#[derive(Debug, Clone, Object)]
pub struct CalendarSyncView {
    /// `ok`, `stale` (some feed has not synced successfully for 30 minutes) or `unknown`
    /// (the database did not answer).
    pub status: String,
    /// Feeds without a successful sync for 30 minutes.
    pub stale_feeds: u64,
}

/// Health of the API and its dependencies.
#[derive(Debug, Clone, Object)]
pub struct HealthView {
    /// `healthy`, `degraded` (up, but a channel calendar is stale: the owner should look at
    /// the feeds) or `unhealthy`.
    pub status: String,
    /// PostgreSQL.
    pub database: CheckView,
    /// Redis.
    pub redis: CheckView,
    /// The channel calendars' sync.
    pub calendar_sync: CalendarSyncView,
    /// Build version.
    pub version: String,
}

/// Whether the API takes traffic.
#[derive(Debug, Clone, Object)]
pub struct ReadyView {
    /// `ready`, `shutting_down`, `migrations_pending` or `dependencies_down`.
    pub status: String,
}
