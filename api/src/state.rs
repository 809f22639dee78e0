//! What every handler can reach.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;
use shared::{
    clock::SharedClock,
    config::Settings,
    jobs::JobQueue,
    redis::{Keys, RedisConn},
    service::BookingRules,
    telemetry,
};

/// Shared state of the API (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL pool.
    pub db: DatabaseConnection,
    /// Redis connection.
    pub redis: RedisConn,
    /// Job queues (webhook jobs are pushed here).
    pub queue: JobQueue,
    /// The loaded settings.
    pub settings: Arc<Settings>,
    /// Booking rules and the clock.
    pub rules: BookingRules,
    /// Prometheus recorder of this process.
    pub metrics: PrometheusHandle,
    shutting_down: Arc<AtomicBool>,
}

impl AppState {
    /// State over existing connections.
    pub fn new(
        db: DatabaseConnection,
        redis: RedisConn,
        settings: Settings,
        clock: SharedClock,
    ) -> Self {
        let queue = JobQueue::new(redis.clone(), Keys::new(settings.redis_namespace.clone()));
        Self {
            rules: BookingRules::from_settings(&settings, clock),
            queue,
            db,
            redis,
            settings: Arc::new(settings),
            metrics: telemetry::metrics_handle(),
            shutting_down: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Marks the process as draining: `/readyz` answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether the process is draining.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}
