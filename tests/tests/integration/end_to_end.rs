//! The real API and worker, booted on port 0: a hold expires while we watch.

use chrono::Duration;
use serde_json::Value;
use tests::harness::{TestApp, app::test_settings, fixtures, servers::RunningSystem, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_expires_through_the_real_worker_and_frees_the_nights() {
    // Arrange: a real API and worker sharing the test's database, Redis namespace and clock,
    // with the expiry schedule ticking every second.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña E2E").insert(app.conn()).await;
    let mut settings = test_settings(&app.db, &app.redis);
    settings.expiry_schedule = "* * * * * *".into();
    let system = RunningSystem::start(settings, app.clock.clone()).await;
    let check_in = app.today() + Duration::days(20);
    let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));

    // Act: book, then let the hold's 30 minutes pass.
    let created = system
        .http
        .post(format!("{}/api/v1/reservations", system.api_url))
        .json(&body)
        .send()
        .await
        .expect("POST /reservations");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let code = created["code"].as_str().expect("code").to_string();
    app.clock.advance(Duration::minutes(31));

    // Assert: the worker marks it expired, and the same nights can be booked again.
    let url = format!("{}/api/v1/reservations/{code}", system.api_url);
    wait_until(
        "the worker to expire the hold",
        std::time::Duration::from_secs(15),
        || {
            let (http, url) = (system.http.clone(), url.clone());
            async move {
                let body: Value = http
                    .get(&url)
                    .send()
                    .await
                    .expect("GET")
                    .json()
                    .await
                    .expect("json");
                body["status"] == "expired"
            }
        },
    )
    .await;
    let again = system
        .http
        .post(format!("{}/api/v1/reservations", system.api_url))
        .json(&body)
        .send()
        .await
        .expect("POST again");
    assert_eq!(again.status(), 201);
    system.stop().await;
}
