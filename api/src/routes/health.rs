//! `GET /healthz` (dependencies) and `GET /readyz` (taking traffic).

use std::{future::Future, time::Instant};

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, payload::Json};
use shared::service::{
    ical_sync,
    job_health::{self, WorkerLiveness},
    readiness::{self, NotReady},
};

use super::ApiTags;
use crate::{
    dto::health::{CalendarSyncView, CheckView, HealthView, QueueView, ReadyView, WorkerView},
    state::AppState,
};

/// Health endpoints.
pub struct HealthApi;

/// Health answer.
#[derive(ApiResponse)]
pub enum HealthResponse {
    /// Every dependency answers (`healthy`, or `degraded`: see the operation).
    #[oai(status = 200)]
    Healthy(Json<HealthView>),
    /// A dependency is down.
    #[oai(status = 503)]
    Unhealthy(Json<HealthView>),
}

/// Readiness answer.
#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Taking traffic.
    #[oai(status = 200)]
    Ready(Json<ReadyView>),
    /// Draining before shutdown, migrations pending, or a dependency down.
    #[oai(status = 503)]
    NotReady(Json<ReadyView>),
}

/// Runs one dependency check with a 3-second deadline.
///
/// The answer says only `timed_out` or `unreachable`: the raw error (driver messages, host
/// names, ports) goes to the log, never to an unauthenticated caller.
async fn timed<E: std::fmt::Display>(
    dependency: &'static str,
    check: impl Future<Output = Result<(), E>>,
) -> CheckView {
    let started = Instant::now();
    let result = tokio::time::timeout(std::time::Duration::from_secs(3), check).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(dependency, error = %e, "health check failed");
            Some("unreachable")
        }
        Err(_) => {
            tracing::warn!(dependency, "health check timed out");
            Some("timed_out")
        }
    };
    CheckView {
        status: if error.is_none() { "up" } else { "down" }.into(),
        latency_ms,
        error: error.map(str::to_owned),
    }
}

/// How many channel feeds are stale (same 3-second deadline; `unknown` when the database does
/// not answer, which the database check reports).
async fn calendar_sync(state: &AppState) -> CalendarSyncView {
    let stale = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        ical_sync::stale_feeds(&state.db, &state.rules.clock),
    )
    .await;
    match stale {
        Ok(Ok(stale_feeds)) => CalendarSyncView {
            status: if stale_feeds == 0 { "ok" } else { "stale" }.into(),
            stale_feeds,
        },
        _ => CalendarSyncView {
            status: "unknown".into(),
            stale_feeds: 0,
        },
    }
}

/// The backlog and the worker heartbeat (same 3-second deadline; `unknown` when Redis does not
/// answer, which the Redis check reports).
async fn job_side(state: &AppState) -> (QueueView, WorkerView) {
    let checked = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        job_health::check(
            &state.queue,
            state.rules.clock.now(),
            state.settings.health_queue_backlog,
        ),
    )
    .await;
    match checked {
        Ok(Ok(health)) => (
            QueueView {
                status: if health.backlogged() { "backlog" } else { "ok" }.into(),
                waiting: health.waiting,
                largest_queue: health.largest_queue,
                threshold: health.threshold,
            },
            WorkerView {
                status: health.worker.as_str().into(),
                heartbeat_age_seconds: health.heartbeat_age_seconds,
            },
        ),
        _ => (
            QueueView {
                status: "unknown".into(),
                waiting: 0,
                largest_queue: 0,
                threshold: state.settings.health_queue_backlog,
            },
            WorkerView {
                status: "unknown".into(),
                heartbeat_age_seconds: None,
            },
        ),
    }
}

/// Every health check, at once: the answer of `/healthz` (and the checks of the admin
/// operations panel).
pub(crate) async fn check_health(state: &AppState) -> HealthView {
    let database = timed("database", shared::db::ping(&state.db));
    let redis = timed("redis", async {
        let mut conn = state.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(drop)
    });
    let (database, redis, calendar_sync, (queue, worker)) =
        tokio::join!(database, redis, calendar_sync(state), job_side(state));
    let up = database.error.is_none() && redis.error.is_none();
    let degraded = calendar_sync.stale_feeds > 0
        || queue.status != "ok"
        || worker.status != WorkerLiveness::Alive.as_str();
    let status = match (up, degraded) {
        (false, _) => "unhealthy",
        (true, false) => "healthy",
        (true, true) => "degraded",
    };
    HealthView {
        status: status.into(),
        database,
        redis,
        calendar_sync,
        queue,
        worker,
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Health of the API and its dependencies
    ///
    /// Pings PostgreSQL and Redis and reports each one's latency. 200 when both answer,
    /// 503 otherwise. Fly.io's health check calls this. `degraded` (still 200: restarting the
    /// API would not help) when a channel's iCal feed has not synced for 30 minutes, a job
    /// queue holds more than `HEALTH_QUEUE_BACKLOG` jobs, or no worker has sent a heartbeat
    /// for 60 seconds.
    #[oai(path = "/healthz", method = "get")]
    async fn healthz(&self, state: Data<&AppState>) -> HealthResponse {
        let view = check_health(&state).await;
        if view.status == "unhealthy" {
            HealthResponse::Unhealthy(Json(view))
        } else {
            HealthResponse::Healthy(Json(view))
        }
    }

    /// Whether this instance takes traffic
    ///
    /// 200 `ready` when PostgreSQL and Redis answer and every migration this build knows is
    /// applied; 503 `shutting_down` once shutdown has begun (the proxy stops routing here while
    /// requests drain), `migrations_pending` (a new release's machine before its release command
    /// migrated) or `dependencies_down` (3-second deadline).
    #[oai(path = "/readyz", method = "get")]
    async fn readyz(&self, state: Data<&AppState>) -> ReadyResponse {
        if state.is_shutting_down() {
            return not_ready("shutting_down");
        }
        let migrations = known_migrations();
        let check = readiness::check(&state.db, &state.redis, migrations);
        match tokio::time::timeout(std::time::Duration::from_secs(3), check).await {
            Ok(Ok(())) => ReadyResponse::Ready(Json(ReadyView {
                status: "ready".into(),
            })),
            Ok(Err(why)) => not_ready(why.as_str()),
            Err(_) => not_ready(NotReady::DependenciesDown.as_str()),
        }
    }
}

/// A 503 readiness answer with `status`.
fn not_ready(status: &str) -> ReadyResponse {
    ReadyResponse::NotReady(Json(ReadyView {
        status: status.into(),
    }))
}

/// The names of every migration this build carries, listed once.
fn known_migrations() -> &'static [String] {
    use migration::MigratorTrait;
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        migration::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect()
    })
}
