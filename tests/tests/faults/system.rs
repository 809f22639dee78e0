//! One test's system: a private PostgreSQL and Redis, the Graph API stand-in, and the `api`
//! and `worker` binaries started against them.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tests::harness::{
    app::TEST_JWT_SECRET,
    graph_stub::{self, GraphStub},
    private_redis::PrivateRedis,
    processes::{PrivatePostgres, Process, free_port},
    wait_until,
    webhooks::{VERIFY_TOKEN, WA_PATH, WA_SECRET, meta_signature},
};

/// Private servers, the Graph stand-in, and the settings every process gets.
pub struct System {
    /// The private PostgreSQL.
    pub pg: PrivatePostgres,
    /// The private Redis.
    pub redis: PrivateRedis,
    /// Meta's Graph API stand-in (the concierge's replies).
    pub graph: GraphStub,
    /// A pool on the system's database.
    pub db: DatabaseConnection,
    /// An HTTP client.
    pub http: reqwest::Client,
    env: Vec<(String, String)>,
}

/// A running `api` process and its base URL.
pub struct Api {
    /// The process.
    pub process: Process,
    /// `http://127.0.0.1:<port>/api/v1`.
    pub base: String,
}

impl System {
    /// Starts the servers, creates and migrates the database (`api migrate`).
    pub async fn start() -> Self {
        let pg = PrivatePostgres::start();
        let redis = PrivateRedis::start().await;
        let graph = GraphStub::start().await;
        let admin = shared::db::connect_url(&pg.url("postgres"), 1)
            .await
            .expect("the private PostgreSQL");
        admin
            .execute_unprepared("CREATE DATABASE cabanas")
            .await
            .expect("create the database");
        let _ = admin.close().await;
        let env = [
            ("APP_ENV", "test".to_owned()),
            ("HOST", "127.0.0.1".to_owned()),
            ("DATABASE_URL", pg.url("cabanas")),
            ("DATABASE_MAX_CONNECTIONS", "5".to_owned()),
            ("REDIS_URL", redis.url()),
            ("REDIS_NAMESPACE", "faults".to_owned()),
            ("JWT_SECRET", TEST_JWT_SECRET.to_owned()),
            ("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN.to_owned()),
            ("WHATSAPP_APP_SECRET", WA_SECRET.to_owned()),
            ("WHATSAPP_API_BASE", graph.base_url()),
            // Quoted: figment reads an all-digits variable as a number, which the string
            // setting refuses.
            ("WHATSAPP_PHONE_ID", graph_stub::PHONE_ID.to_owned()),
            ("WHATSAPP_ACCESS_TOKEN", graph_stub::TOKEN.to_owned()),
            ("RATE_LIMIT_PER_MINUTE", "0".to_owned()),
            ("HOLD_LIMIT_PER_PHONE", "0".to_owned()),
            ("HOLD_LIMIT_PER_IP", "0".to_owned()),
            ("WORKER_POLL_MS", "50".to_owned()),
            ("WORKER_HEARTBEAT_SECONDS", "1".to_owned()),
            ("WORKER_MISSED_HEARTBEATS", "2".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec();
        Process::run("api", &["migrate"], &env);
        let db = shared::db::connect_url(&pg.url("cabanas"), 2)
            .await
            .expect("the system's database");
        Self {
            pg,
            redis,
            graph,
            db,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("HTTP client"),
            env,
        }
    }

    /// The environment of a process listening on fresh ports.
    fn env_with_ports(&self) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        for key in ["PORT", "METRICS_PORT", "WORKER_PORT"] {
            env.push((key.to_owned(), free_port().to_string()));
        }
        env
    }

    /// Starts the `api` binary and waits until it is ready.
    pub async fn start_api(&self) -> Api {
        let env = self.env_with_ports();
        let port = &env.iter().find(|(k, _)| k == "PORT").expect("PORT").1;
        let base = format!("http://127.0.0.1:{port}/api/v1");
        let process = Process::spawn("api", &["serve"], &env);
        let ready = format!("{base}/readyz");
        wait_until("the api to be ready", Duration::from_secs(30), || {
            let request = self.http.get(&ready).send();
            async move { request.await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        Api { process, base }
    }

    /// Starts the `worker` binary.
    pub fn start_worker(&self) -> Process {
        Process::spawn("worker", &[], &self.env_with_ports())
    }

    /// POSTs a signed WhatsApp webhook; the status (0 when no answer came).
    pub async fn post_whatsapp(&self, api: &Api, body: Vec<u8>) -> u16 {
        let url = format!("{}{}", api.base, WA_PATH.trim_start_matches("/api/v1"));
        self.http
            .post(url)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", meta_signature(&body))
            .body(body)
            .send()
            .await
            .map_or(0, |r| r.status().as_u16())
    }

    /// A number from a `SELECT count(*) ...` on the system's database (the pool's
    /// connections may have been cut by a PostgreSQL restart: retried until one answers).
    pub async fn count(&self, sql: &str) -> i64 {
        let statement = Statement::from_string(DatabaseBackend::Postgres, sql);
        let count = std::sync::Mutex::new(None);
        wait_until(
            "the database to answer",
            Duration::from_secs(10),
            || async {
                if let Ok(Some(row)) = self.db.query_one_raw(statement.clone()).await {
                    let n = row.try_get_by_index::<i64>(0).expect("a BIGINT");
                    *count.lock().expect("count") = Some(n);
                    return true;
                }
                false
            },
        )
        .await;
        count.into_inner().expect("count").expect("a count")
    }
}
