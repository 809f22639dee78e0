//! `GET /healthz` (PostgreSQL and Redis answer) and `GET /readyz` (taking traffic).

use std::{sync::Arc, time::Duration};

use api::{startup::build_app, state::AppState};
use poem::{EndpointExt, test::TestClient};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sea_orm::ConnectionTrait;
use serde_json::json;
use shared::clock::OffsetClock;
use tests::harness::{TestApp, TestDb, TestRedis, app::test_settings, reply};

#[tokio::test]
async fn healthz_reports_both_dependencies_up_with_their_latency() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/api/v1/healthz").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.keys(),
        vec!["calendar_sync", "database", "redis", "status", "version"]
    );
    assert_eq!(
        resp.body["calendar_sync"],
        json!({"status": "ok", "stale_feeds": 0})
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
