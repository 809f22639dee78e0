//! TLS to PostgreSQL (`sslmode=`) and to Redis (`rediss://`), against private servers that
//! accept TLS connections only, with a certificate authority made for the test.

use std::time::Duration;

use api::{startup::build_app, state::AppState};
use migration::{Migrator, MigratorTrait};
use poem::{EndpointExt, http::StatusCode, test::TestClient};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use shared::{
    config::{Secret, Settings},
    db::stmt,
    entities::{
        webhook_event::{self, WebhookState},
        whatsapp_message,
    },
    jobs::{Job, whatsapp::WhatsappInbound},
};
use tests::harness::{
    TestApp,
    tls_servers::{TestCa, TlsPostgres, TlsRedis, on_path},
    wait_until,
    webhooks::{fixture, post_signed_whatsapp},
    worker::TestWorker,
};

/// Whether this session's connection to PostgreSQL is encrypted.
async fn encrypted(db: &DatabaseConnection) -> bool {
    let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let row = db
        .query_one_raw(stmt(sql, vec![]))
        .await
        .expect("pg_stat_ssl");
    row.expect("this session's row")
        .try_get("", "ssl")
        .expect("ssl")
}

#[tokio::test]
async fn postgresql_over_tls_is_verified_and_migrated_and_plain_text_is_refused() {
    let Some(bindir) = TlsPostgres::bindir().filter(|_| on_path("openssl")) else {
        eprintln!("SKIPPED: needs the PostgreSQL server programs (initdb, pg_ctl) and openssl");
        return;
    };
    // Arrange: a cluster whose pg_hba.conf admits TLS only.
    let ca = TestCa::new();
    let server = TlsPostgres::start(&ca, &bindir);
    let verified = |database: &str, ca: &TestCa| {
        let root = ca.ca_cert();
        let query = format!("sslmode=verify-full&sslrootcert={}", root.display());
        server.url(database, &query)
    };

    // Act + assert: verify-full against the test CA connects, encrypted, and the migrations
    // apply over it (what `api migrate`, the release command, does).
    let admin = shared::db::connect_url(&verified("postgres", &ca), 1)
        .await
        .expect("verify-full with the server's CA");
    assert!(encrypted(&admin).await);
    admin
        .execute_unprepared("CREATE DATABASE cabanas")
        .await
        .expect("create the database");
    let db = shared::db::connect_url(&verified("cabanas", &ca), 2)
        .await
        .expect("connect to the new database");
    Migrator::up(&db, None).await.expect("migrations over TLS");
    let pending = Migrator::get_pending_migrations(&db).await.expect("status");
    assert!(pending.is_empty(), "{} migrations pending", pending.len());

    // sslmode=require (what most providers' URLs say): encrypted, certificate unchecked.
    let required = shared::db::connect_url(&server.url("postgres", "sslmode=require"), 1)
        .await
        .expect("sslmode=require");
    assert!(encrypted(&required).await);

    // A certificate from another CA is refused under verify-full.
    let other = TestCa::new();
    let err = shared::db::connect_url(&verified("postgres", &other), 1)
        .await
        .expect_err("a server the CA did not sign is refused");
    assert!(
        err.chain().to_lowercase().contains("certificate"),
        "{err:?}"
    );

    // Plain text is refused by the server (hostssl only).
    let err = shared::db::connect_url(&server.url("postgres", "sslmode=disable"), 1)
        .await
        .expect_err("plain text is refused");
    assert!(err.chain().contains("no encryption"), "{}", err.chain());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_over_tls_carries_the_app_connection_and_the_job_queue() {
    if !on_path("redis-server") || !on_path("openssl") {
        eprintln!("SKIPPED: needs redis-server and openssl");
        return;
    }
    // Arrange: a Redis with a TLS port only; settings pointing at it with REDIS_CA_CERT.
    let ca = TestCa::new();
    let redis = TlsRedis::start(&ca).await;
    let base = TestApp::new().await;
    let settings = Settings {
        redis_url: Secret::new(redis.url()),
        redis_ca_cert: Some(ca.ca_cert().display().to_string()),
        ..base.settings.clone()
    };
    settings
        .validate()
        .expect("rediss:// with REDIS_CA_CERT is valid");

    // The server's certificate is checked: against the system roots it is refused; and the
    // server refuses plain text.
    let system_roots = Settings {
        redis_ca_cert: None,
        ..settings.clone()
    };
    let err = shared::redis::connect(&system_roots)
        .await
        .expect_err("a certificate from an unknown CA is refused");
    assert!(
        err.chain().to_lowercase().contains("certificate"),
        "{err:?}"
    );
    shared::redis::connect_url(&redis.plain_url())
        .await
        .expect_err("plain text is refused");

    // Act: the app's connection; a webhook enqueues its job; the worker consumes it.
    let conn = shared::redis::connect(&settings)
        .await
        .expect("rediss:// verified against REDIS_CA_CERT");
    let state = AppState::new(
        base.conn().clone(),
        conn,
        settings.clone(),
        base.clock.clone(),
    )
    .expect("app state");
    let client = TestClient::new(build_app(state.clone()).boxed());
    post_signed_whatsapp(&client, fixture("whatsapp/text_message.json"))
        .await
        .assert_status(StatusCode::ACCEPTED);
    let queued = state
        .queue
        .depth(WhatsappInbound::NAME)
        .await
        .expect("depth");
    assert_eq!(queued, 1, "the job waits in the TLS Redis");
    let worker = TestWorker::start(settings, base.clock.clone()).await;

    // Assert: the job ran (its event processed, the message stored once).
    wait_until(
        "the job to be consumed over TLS",
        Duration::from_secs(20),
        || async {
            let events = webhook_event::Entity::find()
                .all(base.conn())
                .await
                .expect("events");
            events.len() == 1 && events[0].state == WebhookState::Processed
        },
    )
    .await;
    worker.stop().await;
    let messages = whatsapp_message::Entity::find()
        .all(base.conn())
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
}
