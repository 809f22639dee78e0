//! Jobs that fail permanently are recorded in `failed_jobs` and can be retried; the webhook
//! monitor lists, filters and replays events; the sweep and the retention purge.

use std::time::Duration;

use poem::http::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::{
    clock::Clock,
    entities::{
        webhook_event::{self, WebhookState},
        whatsapp_message,
    },
    jobs::{Job, whatsapp::WhatsappInbound},
    service::{
        failed_jobs::{self, Page},
        webhook_monitor::{self, WebhookFilter},
    },
};
use tests::harness::{
    TestApp, wait_until,
    webhooks::{fixture, post_signed_whatsapp, post_whatsapp},
    worker::TestWorker,
};

async fn exec(app: &TestApp, sql: &str) {
    app.conn().execute_unprepared(sql).await.expect(sql);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanently_failing_job_is_recorded_once_and_can_be_retried() {
    // Arrange: a recorded message whose payload is gone (bad data: retrying cannot help).
    let app = TestApp::new().await;
    let body = fixture("whatsapp/text_message.json");
    post_signed_whatsapp(&app.client, body.clone())
        .await
        .assert_status(StatusCode::ACCEPTED);
    exec(&app, "UPDATE webhook_events SET raw_payload = NULL").await;

    // Act: the worker runs the job.
    let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;
    wait_until(
        "the failed job to be recorded",
        Duration::from_secs(20),
        || async {
            failed_jobs::list_failed_jobs(app.conn(), None, Page::default())
                .await
                .expect("list")
                .total
                == 1
        },
    )
    .await;

    // Assert: recorded once, after one attempt, with the reason.
    let failed =
        failed_jobs::list_failed_jobs(app.conn(), Some(WhatsappInbound::NAME), Page::default())
            .await
            .expect("list");
    assert_eq!(failed.total, 1);
    let row = &failed.items[0];
    assert_eq!(row.attempts, 1);
    assert!(row.error.contains("purged"), "error: {}", row.error);
    let event = &webhook_event::Entity::find()
        .all(app.conn())
        .await
        .expect("events")[0];
    assert_eq!(event.state, WebhookState::Failed);
    assert_eq!(
        row.payload["wamid"],
        "wamid.HBgNNTQ5MTExMjM0NTY3OBUCABIYFjNFQjBBMUIyQzNENEU1RjY3ODkwAA=="
    );

    // Act 2: the data is fixed and the owner retries the job.
    let payload = String::from_utf8(body).expect("utf-8").replace('\'', "''");
    exec(
        &app,
        &format!("UPDATE webhook_events SET raw_payload = '{payload}'"),
    )
    .await;
    let retried =
        failed_jobs::retry_failed_job(app.conn(), &app.state.queue, row.id, app.clock.now())
            .await
            .expect("retry");
    assert!(retried.retried_at.is_some());

    // Assert 2: it runs again and the message is stored.
    wait_until(
        "the retried job to store the message",
        Duration::from_secs(20),
        || async {
            whatsapp_message::Entity::find()
                .all(app.conn())
                .await
                .expect("messages")
                .len()
                == 1
        },
    )
    .await;
    wait_until(
        "the event to be processed",
        Duration::from_secs(10),
        || async {
            webhook_event::Entity::find()
                .all(app.conn())
                .await
                .expect("events")[0]
                .state
                == WebhookState::Processed
        },
    )
    .await;
    worker.stop().await;
    let still = failed_jobs::list_failed_jobs(app.conn(), None, Page::default())
        .await
        .expect("list");
    assert_eq!(
        still.total, 1,
        "the retry succeeded: no new failure recorded"
    );
}

#[tokio::test]
async fn retrying_an_unknown_failed_job_is_not_found() {
    let app = TestApp::new().await;
    let err = failed_jobs::retry_failed_job(app.conn(), &app.state.queue, 424242, app.clock.now())
        .await
        .expect_err("unknown id");
    assert!(matches!(err, shared::Error::NotFound(_)));
}

#[tokio::test]
async fn the_webhook_monitor_filters_by_provider_state_and_date_and_replays() {
    // Arrange: two signed WhatsApp deliveries and one refused.
    let app = TestApp::new().await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/button_reply.json")).await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/list_reply.json")).await;
    post_whatsapp(&app.client, fixture("whatsapp/voice_note.json"), None).await;
    let list = |filter: WebhookFilter| {
        let db = app.conn().clone();
        async move {
            webhook_monitor::list_webhook_events(&db, &filter, Page::default())
                .await
                .expect("list")
        }
    };

    // Act + Assert: filters.
    let all = list(WebhookFilter::default()).await;
    assert_eq!(all.total, 3);
    let whatsapp = list(WebhookFilter {
        provider: Some("whatsapp".into()),
        state: Some(WebhookState::Pending),
        ..Default::default()
    })
    .await;
    assert_eq!(whatsapp.total, 2);
    let rejected = list(WebhookFilter {
        state: Some(WebhookState::Rejected),
        ..Default::default()
    })
    .await;
    assert_eq!(rejected.total, 1);
    let future = list(WebhookFilter {
        from: Some(app.clock.now() + chrono::Duration::hours(1)),
        ..Default::default()
    })
    .await;
    assert_eq!(future.total, 0);
    let paged = webhook_monitor::list_webhook_events(
        app.conn(),
        &WebhookFilter::default(),
        Page {
            page: 2,
            per_page: 2,
        },
    )
    .await
    .expect("page 2");
    assert_eq!((paged.items.len(), paged.total), (1, 3));

    // Replay: a signed event is enqueued again; a refused one cannot be.
    let before = app
        .state
        .queue
        .depth(WhatsappInbound::NAME)
        .await
        .expect("depth");
    let replayed = webhook_monitor::replay_webhook_event(
        app.conn(),
        &app.state.queue,
        whatsapp.items[0].id,
        app.clock.now(),
    )
    .await
    .expect("replay");
    assert_eq!(replayed.attempts, 2);
    assert_eq!(
        app.state
            .queue
            .depth(WhatsappInbound::NAME)
            .await
            .expect("depth"),
        before + 1
    );
    let refused = webhook_monitor::replay_webhook_event(
        app.conn(),
        &app.state.queue,
        rejected.items[0].id,
        app.clock.now(),
    )
    .await;
    assert!(matches!(refused, Err(shared::Error::Invalid(_))));
}

#[tokio::test]
async fn the_sweep_requeues_stale_pending_events_and_gives_up_after_ten_attempts() {
    let app = TestApp::new().await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/button_reply.json")).await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/list_reply.json")).await;
    let events = webhook_event::Entity::find()
        .all(app.conn())
        .await
        .expect("events");
    exec(
        &app,
        &format!(
            "UPDATE webhook_events SET attempts = 10 WHERE id = {}",
            events[1].id
        ),
    )
    .await;

    // Not stale yet: nothing happens.
    let now = app.clock.now();
    let early = webhook_monitor::sweep(app.conn(), &app.state.queue, now)
        .await
        .expect("sweep");
    assert_eq!((early.requeued, early.failed), (0, 0));

    // Three minutes later.
    let later = now + chrono::Duration::minutes(3);
    let report = webhook_monitor::sweep(app.conn(), &app.state.queue, later)
        .await
        .expect("sweep");
    assert_eq!((report.requeued, report.failed), (1, 1));
    let given_up = webhook_event::Entity::find_by_id(events[1].id)
        .one(app.conn())
        .await
        .expect("event")
        .expect("exists");
    assert_eq!(given_up.state, WebhookState::Failed);
    assert_eq!(
        app.state
            .queue
            .depth(WhatsappInbound::NAME)
            .await
            .expect("depth"),
        3
    );
}

#[tokio::test]
async fn payloads_older_than_the_retention_are_purged_but_pending_ones_kept() {
    let app = TestApp::new().await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/button_reply.json")).await;
    post_whatsapp(&app.client, fixture("whatsapp/list_reply.json"), None).await;
    exec(
        &app,
        "UPDATE webhook_events SET received_at = now() - interval '31 days'",
    )
    .await;

    let purged = webhook_monitor::purge_payloads(
        app.conn(),
        app.clock.now(),
        app.settings.webhook_retention(),
    )
    .await
    .expect("purge");

    assert_eq!(
        purged, 0,
        "the refused delivery never had its payload stored; the pending one keeps it"
    );
    let events = webhook_event::Entity::find()
        .all(app.conn())
        .await
        .expect("events");
    for event in events {
        let kept = event.state == WebhookState::Pending;
        assert_eq!(event.raw_payload.is_some(), kept);
    }
}
