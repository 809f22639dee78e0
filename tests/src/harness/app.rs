//! The API in process: real PostgreSQL and Redis, poem's test client, an adjustable clock.

use std::sync::Arc;

use api::{
    startup::{build_app, build_metrics_app},
    state::AppState,
};
use poem::{Endpoint, EndpointExt, Response, endpoint::BoxEndpoint, test::TestClient};
use sea_orm::DatabaseConnection;
use shared::{
    clock::OffsetClock,
    config::{AppEnv, Secret, Settings},
};

use super::{TestDb, TestRedis, redis_ns::redis_url};

/// The key test apps sign admin tokens with (32+ bytes, as production requires).
pub const TEST_JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef-0123456789";

/// Settings for a test against `db` and `redis`.
///
/// Rate limiting and hold limits are off here: most tests book with the same fixture phone and
/// share one client bucket (the in-process client has no IP), and would trip them. Tests of
/// those limits turn them on explicitly.
pub fn test_settings(db: &TestDb, redis: &TestRedis) -> Settings {
    Settings {
        app_env: AppEnv::Test,
        host: "127.0.0.1".into(),
        port: 0,
        worker_port: 0,
        metrics_port: 0,
        database_url: Secret::new(db.url.clone()),
        database_max_connections: 10,
        redis_url: Secret::new(redis_url()),
        redis_namespace: redis.namespace.clone(),
        worker_poll_ms: 50,
        shutdown_grace_seconds: 5,
        rate_limit_per_minute: 0,
        hold_limit_per_phone: 0,
        hold_limit_per_ip: 0,
        jwt_secret: Secret::new(TEST_JWT_SECRET),
        whatsapp_verify_token: Secret::new(super::webhooks::VERIFY_TOKEN),
        whatsapp_app_secret: Secret::new(super::webhooks::WA_SECRET),
        mercadopago_webhook_secret: Secret::new(super::webhooks::MP_SECRET),
        worker_heartbeat_seconds: 1,
        worker_missed_heartbeats: 2,
        ..Settings::default()
    }
}

/// One test's application.
pub struct TestApp {
    /// The test's database.
    pub db: TestDb,
    /// The test's Redis namespace.
    pub redis: TestRedis,
    /// Move time forward with `clock.advance(..)`.
    pub clock: Arc<OffsetClock>,
    /// The settings the app runs with.
    pub settings: Settings,
    /// The app's state.
    pub state: AppState,
    /// poem's test client on the whole app.
    pub client: TestClient<BoxEndpoint<'static, Response>>,
    /// poem's test client on the internal metrics app (what `METRICS_PORT` serves).
    pub metrics_client: TestClient<BoxEndpoint<'static, Response>>,
}

impl TestApp {
    /// An app with the test defaults.
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    /// An app whose settings `tweak` adjusts.
    pub async fn with_settings(tweak: impl FnOnce(&mut Settings)) -> Self {
        Self::with_pool(10, tweak).await
    }

    /// An app whose database pool has `max_connections`, for tests of pool exhaustion.
    pub async fn with_pool(max_connections: u32, tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDb::new(max_connections).await;
        let redis = TestRedis::new().await;
        let mut settings = test_settings(&db, &redis);
        tweak(&mut settings);
        let clock = Arc::new(OffsetClock::default());
        let state = AppState::new(
            db.conn.clone(),
            redis.conn.clone(),
            settings.clone(),
            clock.clone(),
        )
        .expect("app state");
        let client = TestClient::new(boxed(build_app(state.clone())));
        let metrics_client = TestClient::new(boxed(build_metrics_app(state.clone())));
        Self {
            db,
            redis,
            clock,
            settings,
            state,
            client,
            metrics_client,
        }
    }

    /// The Prometheus text of `GET /metrics` on the internal port, asserting 200.
    pub async fn metrics(&self) -> String {
        let resp = self.metrics_client.get("/metrics").send().await;
        resp.assert_status_is_ok();
        resp.0
            .into_body()
            .into_string()
            .await
            .expect("metrics text")
    }

    /// `POST /api/v1/reservations` with `body` as a guest would send it, read to the end.
    pub async fn book(&self, body: &serde_json::Value) -> super::Reply {
        super::reply(
            self.client
                .post("/api/v1/reservations")
                .body_json(body)
                .send()
                .await,
        )
        .await
    }

    /// Writes the worker heartbeat at the app's "now", as a live worker process would, so
    /// `/healthz` need not wait for a real one.
    pub async fn beat_as_worker(&self) {
        use shared::clock::Clock;
        shared::service::job_health::beat(&self.state.queue, self.clock.now())
            .await
            .expect("heartbeat written");
    }

    /// The test database's pool.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.db.conn
    }

    /// Today in the business timezone, by the app's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        use shared::clock::Clock;
        self.clock.today(self.settings.timezone())
    }

    /// Moves the app's clock (forward or back) to noon of `date` in the business timezone.
    pub fn travel_to(&self, date: chrono::NaiveDate) {
        use chrono::TimeZone;
        use shared::clock::Clock;
        let noon = self
            .settings
            .timezone()
            .from_local_datetime(&date.and_hms_opt(12, 0, 0).expect("noon"))
            .single()
            .expect("noon exists in the business timezone")
            .with_timezone(&chrono::Utc);
        self.clock.advance(noon - self.clock.now());
        assert_eq!(self.today(), date);
    }
}

fn boxed(endpoint: impl Endpoint<Output = Response> + 'static) -> BoxEndpoint<'static, Response> {
    endpoint.boxed()
}
