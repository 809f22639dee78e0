//! `GET /healthz` (PostgreSQL and Redis answer; the queues keep up and a worker is alive) and
//! `GET /readyz` (taking traffic).

use std::{sync::Arc, time::Duration};

use api::{startup::build_app, state::AppState};
use poem::{EndpointExt, test::TestClient};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sea_orm::ConnectionTrait;
use serde_json::json;
use shared::clock::OffsetClock;
use shared::jobs::whatsapp::SweepConversations;
use tests::harness::{
    TestApp, TestDb, TestRedis, app::test_settings, reply, wait_until, worker::TestWorker,
};

#[tokio::test]
async fn healthz_reports_both_dependencies_up_with_their_latency() {
    let app = TestApp::new().await;
    app.beat_as_worker().await;

    let resp = reply(app.client.get("/api/v1/healthz").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.keys(),
        vec![
            "calendar_sync",
            "database",
            "queue",
            "redis",
            "status",
            "version",
            "worker"
        ]
    );
    assert_eq!(
        resp.body["calendar_sync"],
        json!({"status": "ok", "stale_feeds": 0})
    );
    assert_eq!(
        resp.body["queue"],
        json!({"status": "ok", "waiting": 0, "largest_queue": 0, "threshold": 500})
    );
    assert_eq!(resp.body["worker"]["status"], "alive", "{}", resp.text);
    assert!(
        resp.body["worker"]["heartbeat_age_seconds"].as_u64() <= Some(1),
        "beaten just now: {}",
        resp.text
    );
    assert_eq!(resp.body["status"], "healthy");
    assert_eq!(resp.body["version"], env!("CARGO_PKG_VERSION"));
    for dependency in ["database", "redis"] {
        let check = &resp.body[dependency];
        let mut keys: Vec<&str> = check
            .as_object()
            .expect("a check object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, vec!["latency_ms", "status"], "{dependency}: {check}");
        assert_eq!(check["status"], "up", "{dependency}");
        assert!(check["latency_ms"].is_u64(), "{dependency}: {check}");
    }
    assert!(!resp.request_id().is_empty());
}

#[tokio::test]
async fn healthz_is_503_when_redis_cannot_be_reached() {
    // Arrange: the app's Redis connection points at a closed port. `shared::redis::connect_url`
    // connects eagerly (and would fail here), so build the same kind of connection lazily.
    let db = TestDb::new(2).await;
    let redis = TestRedis::new().await;
    let settings = test_settings(&db, &redis);
    let client = redis::Client::open("redis://127.0.0.1:1").expect("a Redis URL");
    let unreachable = ConnectionManager::new_lazy_with_config(
        client,
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(0),
    )
    .expect("a lazy connection manager");
    let state = AppState::new(
        db.conn.clone(),
        unreachable,
        settings,
        Arc::new(OffsetClock::default()),
    )
    .expect("app state");
    let client = TestClient::new(build_app(state).boxed());

    // Act
    let resp = reply(client.get("/api/v1/healthz").send().await).await;

    // Assert
    assert_eq!(resp.status, 503, "{}", resp.text);
    assert_eq!(resp.body["status"], "unhealthy");
    assert_eq!(resp.body["database"]["status"], "up");
    assert_eq!(resp.body["redis"]["status"], "down");
    assert_eq!(resp.body["queue"]["status"], "unknown", "{}", resp.text);
    assert_eq!(resp.body["worker"], json!({"status": "unknown"}));
    assert!(
        ["unreachable", "timed_out"].contains(&resp.body["redis"]["error"].as_str().unwrap_or("")),
        "only a fixed reason, no raw error text: {}",
        resp.text
    );
    for raw in ["redis://", "127.0.0.1", "refused", "os error", "Connection"] {
        assert!(!resp.text.contains(raw), "{raw} leaked: {}", resp.text);
    }
    assert!(!resp.request_id().is_empty());
}

#[tokio::test]
async fn readyz_is_200_while_serving() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/api/v1/readyz").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body, json!({"status": "ready"}));
}

#[tokio::test]
async fn readyz_is_503_once_shutdown_has_begun_while_healthz_stays_200() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    app.state.begin_shutdown();
    let ready = reply(app.client.get("/api/v1/readyz").send().await).await;
    let health = reply(app.client.get("/api/v1/healthz").send().await).await;

    // Assert
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert_eq!(ready.body, json!({"status": "shutting_down"}));
    assert!(!ready.request_id().is_empty());
    assert_eq!(health.status, 200, "{}", health.text);
}

#[tokio::test]
async fn metrics_are_served_on_the_internal_port_only() {
    let app = TestApp::new().await;

    let public = reply(app.client.get("/metrics").send().await).await;
    let internal = app.metrics().await;

    assert_eq!(public.status, 404, "{}", public.text);
    assert_eq!(public.body["code"], "not_found", "{}", public.text);
    assert!(
        !public.text.contains("http_requests_total"),
        "{}",
        public.text
    );
    assert!(internal.contains("http_requests_total"), "{internal}");
}

#[tokio::test]
async fn the_real_server_answers_metrics_on_its_metrics_port_and_404_on_the_public_one() {
    // Arrange
    let db = TestDb::new(4).await;
    let redis = TestRedis::new().await;
    let settings = test_settings(&db, &redis);
    let system =
        tests::harness::servers::RunningSystem::start(settings, Arc::new(OffsetClock::default()))
            .await;

    // Act
    let public = system
        .http
        .get(format!("{}/metrics", system.api_url))
        .send()
        .await
        .expect("public port answers");
    let internal = system
        .http
        .get(format!("{}/metrics", system.metrics_url))
        .send()
        .await
        .expect("metrics port answers");
    let internal_health = system
        .http
        .get(format!("{}/api/v1/healthz", system.metrics_url))
        .send()
        .await
        .expect("metrics port answers");

    // Assert
    assert_eq!(public.status(), 404);
    assert_eq!(internal.status(), 200);
    assert_eq!(
        internal_health.status(),
        404,
        "the internal port serves metrics only"
    );
    system.stop().await;
}

#[tokio::test]
async fn readyz_is_503_while_a_migration_of_this_build_is_not_applied() {
    // Arrange: the newest migration's record removed, as on a new release's machine that
    // starts before the release command has migrated.
    let app = TestApp::new().await;
    app.conn()
        .execute_unprepared(
            "DELETE FROM seaql_migrations
             WHERE version = (SELECT max(version) FROM seaql_migrations)",
        )
        .await
        .expect("forget the newest migration");

    // Act
    let ready = reply(app.client.get("/api/v1/readyz").send().await).await;

    // Assert
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert_eq!(ready.body, json!({"status": "migrations_pending"}));
}

#[tokio::test]
async fn healthz_is_degraded_until_a_worker_beats_and_again_once_its_heartbeat_is_a_minute_old() {
    // Arrange
    let app = TestApp::new().await;
    let health = || async { reply(app.client.get("/api/v1/healthz").send().await).await };

    // Act: no worker yet; then the real worker; then stopped, and a minute passes.
    let before = health().await;
    let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;
    wait_until(
        "the worker's heartbeat",
        Duration::from_secs(10),
        || async { health().await.body["worker"]["status"] == "alive" },
    )
    .await;
    let beating = health().await;
    worker.stop().await;
    app.clock.advance(chrono::Duration::seconds(61));
    let silent = health().await;

    // Assert: a missing or silent worker degrades the API, never makes it unhealthy (503).
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.body["status"], "degraded", "{}", before.text);
    assert_eq!(before.body["worker"], json!({"status": "missing"}));
    assert_eq!(beating.body["status"], "healthy", "{}", beating.text);
    assert_eq!(silent.status, 200, "{}", silent.text);
    assert_eq!(silent.body["status"], "degraded", "{}", silent.text);
    assert_eq!(silent.body["worker"]["status"], "stale", "{}", silent.text);
    assert!(
        silent.body["worker"]["heartbeat_age_seconds"].as_u64() >= Some(61),
        "{}",
        silent.text
    );
}

#[tokio::test]
async fn healthz_is_degraded_while_a_queue_holds_more_jobs_than_the_threshold() {
    // Arrange: a threshold of 2, a live worker's heartbeat, and jobs no worker takes.
    let app = TestApp::with_settings(|s| s.health_queue_backlog = 2).await;
    app.beat_as_worker().await;
    let push = || async {
        app.state
            .queue
            .push(SweepConversations {
                slot: chrono::Utc::now(),
            })
            .await
            .expect("enqueue");
    };
    push().await;
    push().await;
    let at_threshold = reply(app.client.get("/api/v1/healthz").send().await).await;

    // Act
    push().await;
    let over = reply(app.client.get("/api/v1/healthz").send().await).await;

    // Assert
    assert_eq!(
        at_threshold.body["status"], "healthy",
        "{}",
        at_threshold.text
    );
    assert_eq!(over.status, 200, "{}", over.text);
    assert_eq!(over.body["status"], "degraded", "{}", over.text);
    assert_eq!(
        over.body["queue"],
        json!({"status": "backlog", "waiting": 3, "largest_queue": 3, "threshold": 2})
    );
}
