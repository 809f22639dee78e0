//! The worker killed (`SIGKILL`) in the middle of a job and started again: the job runs again
//! (apalis hands a dead worker's jobs back after the heartbeat threshold, 1 s × 2 here) and
//! its effect happens once. The guest's answer waits for the dead worker's conversation
//! lease to lapse (`whatsapp_outbox::LEASE_SECONDS`, 60 s).

use std::time::Duration;

use tests::harness::{wait_until, webhooks::text_message};

use super::system::System;

const GUEST: &str = "5491187654321";
/// The lease of the dead worker (60 s) plus a retry of the waiting job.
const ANSWER_DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_and_restarted_stores_and_answers_the_message() {
    // Arrange: the Graph stand-in answers slowly, so the job is mid-reply when the worker dies.
    let system = System::start().await;
    let api = system.start_api().await;
    system.graph.set_latency(Duration::from_secs(3));
    let worker = system.start_worker();
    let body = text_message("wamid.kill-1", GUEST, "Hola, ¿tienen lugar?");
    assert_eq!(system.post_whatsapp(&api, body).await, 202);
    wait_until(
        "the job to reach the Graph API",
        Duration::from_secs(30),
        || async { !system.graph.requests().is_empty() },
    )
    .await;

    // Act: SIGKILL mid-job; a new worker process starts.
    worker.kill();
    system.graph.set_latency(Duration::ZERO);
    let _worker = system.start_worker();

    // Assert: the event completes, the message is stored once and the guest is answered.
    wait_until(
        "the event to be processed",
        Duration::from_secs(60),
        || async {
            system
                .count("SELECT count(*) FROM webhook_events WHERE state = 'processed'")
                .await
                == 1
        },
    )
    .await;
    let stored = system
        .count("SELECT count(*) FROM whatsapp_messages WHERE wamid = 'wamid.kill-1'")
        .await;
    assert_eq!(stored, 1, "the message is stored once");
    wait_until("the guest to be answered", ANSWER_DEADLINE, || async {
        !system.graph.texts_to(GUEST).is_empty()
    })
    .await;
    let replies = system.graph.texts_to(GUEST);
    println!("replies sent to the guest: {replies:?}");
    let distinct: std::collections::HashSet<_> = replies.iter().collect();
    assert_eq!(
        distinct.len(),
        replies.len(),
        "no reply sent twice: {replies:?}"
    );
}
