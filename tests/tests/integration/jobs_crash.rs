//! A worker killed mid-job: its job comes back after the heartbeat threshold, runs on another
//! worker, and its effect happens once.

use std::time::Duration;

use poem::http::StatusCode;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, Statement, TransactionTrait,
};
use shared::entities::{webhook_event, whatsapp_contact, whatsapp_message};
use tests::harness::{
    TestApp, wait_until,
    webhooks::{fixture, post_signed_whatsapp},
    worker::{CrashableWorker, TestWorker},
};

async fn blocked_backends(app: &TestApp) -> i64 {
    let row = app
        .conn()
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        ))
        .await
        .expect("pg_stat_activity")
        .expect("a row");
    row.try_get("", "n").expect("n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_of_a_killed_worker_runs_again_elsewhere_and_its_effect_happens_once() {
    // Arrange: a recorded message, and its table locked so the first worker blocks mid-job.
    let app = TestApp::new().await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/text_message.json"))
        .await
        .assert_status(StatusCode::ACCEPTED);
    let lock = app.conn().begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE whatsapp_messages IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let first = CrashableWorker::start(app.settings.clone(), app.clock.clone());
    wait_until(
        "the first worker to block inside the job",
        Duration::from_secs(20),
        || async { blocked_backends(&app).await >= 1 },
    )
    .await;

    // Act: the first worker dies mid-job; the lock goes; a second worker starts (its
    // heartbeat threshold is 1 s × 2 in the test settings).
    first.kill();
    lock.rollback().await.expect("release the lock");
    let second = TestWorker::start(app.settings.clone(), app.clock.clone()).await;

    // Assert: the job runs again and completes, and the message is stored exactly once.
    wait_until(
        "the orphaned job to complete",
        Duration::from_secs(30),
        || async {
            webhook_event::Entity::find()
                .all(app.conn())
                .await
                .expect("events")
                .iter()
                .all(|e| e.state == webhook_event::WebhookState::Processed)
        },
    )
    .await;
    second.stop().await;
    let messages = whatsapp_message::Entity::find()
        .count(app.conn())
        .await
        .expect("count");
    assert_eq!(messages, 1);
    let contacts = whatsapp_contact::Entity::find()
        .count(app.conn())
        .await
        .expect("count");
    assert_eq!(contacts, 1);
}
