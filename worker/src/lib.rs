//! Cabañas job worker: an apalis monitor consuming the Redis queues filled by the API and by the
//! cron schedules, plus a small HTTP server for `/metrics` and `/healthz`.
//!
//! Job handlers live in `jobs/`, one file per job; all registration (queues, schedules,
//! retries, concurrency, tracing) is in [`registry`]. Nothing here holds business rules: the
//! handlers call `shared` services.

use std::future::Future;

use sea_orm::DatabaseConnection;
use shared::{clock::SharedClock, config::Settings, jobs::JobQueue, redis::Keys};

pub mod health;
pub mod jobs;
pub mod registry;

/// What every job handler can reach (cheap to clone).
#[derive(Clone, Debug)]
pub struct JobContext {
    /// PostgreSQL pool.
    pub db: DatabaseConnection,
    /// Redis queues.
    pub queue: JobQueue,
    /// Source of "now".
    pub clock: SharedClock,
}

/// Runs the worker until `shutdown` resolves, then stops taking jobs and lets in-flight ones
/// finish within the configured grace period.
pub async fn run(
    settings: Settings,
    db: DatabaseConnection,
    clock: SharedClock,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    shared::telemetry::metrics_handle();
    let redis = shared::redis::connect(&settings).await?;
    let ctx = JobContext {
        db,
        queue: JobQueue::new(redis, Keys::new(settings.redis_namespace.clone())),
        clock,
    };
    let (stop_health, health_stopped) = tokio::sync::oneshot::channel::<()>();
    let health = health::serve(&settings, ctx.clone(), async {
        let _ = health_stopped.await;
    })
    .await?;
    let result = registry::monitor(&settings, &ctx)?
        .run_with_signal(async move {
            shutdown.await;
            tracing::info!("worker shutting down: finishing in-flight jobs");
            Ok(())
        })
        .await;
    let _ = stop_health.send(());
    let _ = health.await;
    result.map_err(Into::into)
}
