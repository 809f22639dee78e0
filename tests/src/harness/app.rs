//! The API in process: real PostgreSQL and Redis, poem's test client, an adjustable clock.

use std::sync::Arc;

use api::{startup::build_app, state::AppState};
use poem::{Endpoint, EndpointExt, Response, endpoint::BoxEndpoint, test::TestClient};
use sea_orm::DatabaseConnection;
use shared::{
    clock::OffsetClock,
    config::{AppEnv, Secret, Settings},
};

use super::{TestDb, TestRedis, redis_ns::redis_url};

/// Settings for a test against `db` and `redis`.
pub fn test_settings(db: &TestDb, redis: &TestRedis) -> Settings {
    Settings {
        app_env: AppEnv::Test,
        host: "127.0.0.1".into(),
        port: 0,
        worker_port: 0,
        database_url: Secret::new(db.url.clone()),
        database_max_connections: 10,
        redis_url: Secret::new(redis_url()),
        redis_namespace: redis.namespace.clone(),
        worker_poll_ms: 50,
        shutdown_grace_seconds: 5,
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
}

impl TestApp {
    /// An app with the test defaults.
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    /// An app whose settings `tweak` adjusts.
    pub async fn with_settings(tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDb::new(10).await;
        let redis = TestRedis::new().await;
        let mut settings = test_settings(&db, &redis);
        tweak(&mut settings);
        let clock = Arc::new(OffsetClock::default());
        let state = AppState::new(
            db.conn.clone(),
            redis.conn.clone(),
            settings.clone(),
            clock.clone(),
        );
        let client = TestClient::new(boxed(build_app(state.clone())));
        Self {
            db,
            redis,
            clock,
            settings,
            state,
            client,
        }
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
}

fn boxed(endpoint: impl Endpoint<Output = Response> + 'static) -> BoxEndpoint<'static, Response> {
    endpoint.boxed()
}
