//! How a job failure is treated: retryable errors go back to apalis for a backoff retry until
//! the kind's last attempt; permanent errors and last attempts are recorded and aborted.

use apalis::prelude::AbortError;
use shared::{
    jobs::{Job, JobError, whatsapp::WhatsappInbound},
    service::failed_jobs::{self, Page},
};
use tests::harness::TestApp;
use worker::{JobContext, jobs::run_job};

fn job() -> WhatsappInbound {
    WhatsappInbound {
        webhook_event_id: 1,
        wamid: "wamid.RETRY".into(),
        trace: None,
    }
}

async fn recorded(app: &TestApp) -> u64 {
    failed_jobs::list_failed_jobs(app.conn(), None, Page::default())
        .await
        .expect("list")
        .total
}

#[tokio::test]
async fn retryable_failures_are_retried_until_the_last_attempt_then_recorded() {
    let app = TestApp::new().await;
    let ctx = JobContext::new(
        app.conn().clone(),
        app.state.queue.clone(),
        app.clock.clone(),
        app.settings.clone(),
    )
    .expect("job context");

    // Before the last attempt: a plain error (apalis retries it after a backoff).
    let early = run_job(&ctx, &job(), 1, async {
        Err(JobError::retryable("db down"))
    })
    .await
    .expect_err("fails");
    assert!(early.downcast_ref::<AbortError>().is_none());
    assert_eq!(recorded(&app).await, 0);

    // The last attempt: recorded and aborted.
    let last = run_job(&ctx, &job(), WhatsappInbound::MAX_ATTEMPTS, async {
        Err(JobError::retryable("db down"))
    })
    .await
    .expect_err("fails");
    assert!(last.downcast_ref::<AbortError>().is_some());
    assert_eq!(recorded(&app).await, 1);
    let metrics = shared::telemetry::metrics_handle().render();
    assert!(metrics.contains("jobs_retried_total{job=\"whatsapp_inbound.v1\"}"));
}

#[tokio::test]
async fn permanent_failures_are_recorded_and_aborted_at_once() {
    let app = TestApp::new().await;
    let ctx = JobContext::new(
        app.conn().clone(),
        app.state.queue.clone(),
        app.clock.clone(),
        app.settings.clone(),
    )
    .expect("job context");

    let err = run_job(&ctx, &job(), 1, async {
        Err(JobError::from(shared::Error::NotFound("webhook event")))
    })
    .await
    .expect_err("fails");

    assert!(err.downcast_ref::<AbortError>().is_some());
    let failed = failed_jobs::list_failed_jobs(app.conn(), None, Page::default())
        .await
        .expect("list");
    assert_eq!(failed.total, 1);
    assert_eq!(failed.items[0].job_name, WhatsappInbound::NAME);
    assert_eq!(failed.items[0].attempts, 1);
    assert!(failed.items[0].error.contains("not found"));
}
