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

/// Whether the job queues keep up.
#[derive(Debug, Clone, Object)]
pub struct QueueView {
    /// `ok`, `backlog` (a queue holds more than `threshold` jobs) or `unknown` (Redis did not
    /// answer, which the Redis check reports).
    pub status: String,
    /// Jobs waiting, every queue together (ready and scheduled for a retry).
    pub waiting: u64,
    /// Jobs waiting in the fullest queue.
    pub largest_queue: u64,
    /// The backlog above which a queue is reported (`HEALTH_QUEUE_BACKLOG`).
    pub threshold: u64,
}

/// Whether a worker process is alive.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WorkerView {
    /// `alive` (a heartbeat within 60 s), `stale` (older), `missing` (none for 5 minutes,
    /// or never) or `unknown` (Redis did not answer).
    pub status: String,
    /// Seconds since the last heartbeat, when there is one.
    pub heartbeat_age_seconds: Option<u64>,
}

/// Health of the API and its dependencies.
#[derive(Debug, Clone, Object)]
pub struct HealthView {
    /// `healthy`, `degraded` (up, but a channel calendar is stale, a queue is backlogged or
    /// no worker is alive: restarting the API would not help) or `unhealthy`.
    pub status: String,
    /// PostgreSQL.
    pub database: CheckView,
    /// Redis.
    pub redis: CheckView,
    /// The channel calendars' sync.
    pub calendar_sync: CalendarSyncView,
    /// The job queues' backlog.
    pub queue: QueueView,
    /// The workers' heartbeat.
    pub worker: WorkerView,
    /// Build version.
    pub version: String,
}

/// Whether the API takes traffic.
#[derive(Debug, Clone, Object)]
pub struct ReadyView {
    /// `ready`, `shutting_down`, `migrations_pending` or `dependencies_down`.
    pub status: String,
}
