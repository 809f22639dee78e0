//! PostgreSQL restarted under light load: requests fail cleanly (503 with an error body, no
//! crash) while it is down, the API recovers by itself, and every booking it confirmed (201)
//! is in the database.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use chrono::{Duration as Days, Utc};
use tests::harness::{fixtures, wait_until};

use super::system::System;

/// What one request got: its status (0 when no answer came) and its body.
type Answers = Arc<Mutex<Vec<(u16, serde_json::Value)>>>;

fn saw(answers: &Answers, status: u16) -> bool {
    answers
        .lock()
        .expect("answers")
        .iter()
        .any(|(s, _)| *s == status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_under_load_gives_503_then_recovers_without_losing_a_booking() {
    // Arrange: the API up; a cabin; a client booking one night after another (~5 req/s).
    let system = System::start().await;
    let mut api = system.start_api().await;
    let cabin = fixtures::cabin("Cabaña del Lago").insert(&system.db).await;
    let answers: Answers = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn({
        let (http, base, answers, stop) = (
            system.http.clone(),
            api.base.clone(),
            answers.clone(),
            stop.clone(),
        );
        let first_night = Utc::now().date_naive() + Days::days(20);
        async move {
            let mut night = first_night;
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let body = fixtures::booking(cabin.id, night, night + Days::days(1));
                let answer = match http
                    .post(format!("{base}/reservations"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        (status, resp.json().await.unwrap_or_default())
                    }
                    Err(_) => (0, serde_json::Value::Null),
                };
                if answer.0 == 201 {
                    night += Days::days(1);
                }
                answers.lock().expect("answers").push(answer);
            }
        }
    });
    wait_until("bookings to succeed", Duration::from_secs(20), || async {
        saw(&answers, 201)
    })
    .await;

    // Act: PostgreSQL stops (fast shutdown, as a restart does) until a request is refused.
    system.pg.stop();
    wait_until(
        "a request refused while PostgreSQL is down",
        Duration::from_secs(30),
        || async { saw(&answers, 503) },
    )
    .await;
    assert!(api.process.is_running(), "the api survived the outage");
    let before_restart = answers.lock().expect("answers").len();
    system.pg.start_again();

    // Assert: bookings succeed again by themselves.
    wait_until(
        "bookings to succeed again",
        Duration::from_secs(30),
        || async {
            answers.lock().expect("answers")[before_restart..]
                .iter()
                .any(|(s, _)| *s == 201)
        },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    load.await.expect("the load task");
    assert!(api.process.is_running());
    let answers = answers.lock().expect("answers").clone();
    for (status, body) in &answers {
        assert!(
            matches!(status, 201 | 503),
            "every answer is a booking or a clean 503, got {status}: {body}"
        );
        if *status == 503 {
            assert_eq!(body["code"], "service_unavailable", "{body}");
            assert!(body["trace_id"].is_string(), "{body}");
        }
    }
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let stored = system.count("SELECT count(*) FROM reservations").await;
    assert_eq!(stored, created as i64, "every 201 is stored, nothing else");
}
