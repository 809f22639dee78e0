//! `GET /accommodations/{id}/availability`: busy ranges, held or booked, in a window.

use chrono::{Duration, NaiveDate};
use serde_json::json;
use tests::harness::{Reply, TestApp, fixtures, reply};

/// Books `[check_in, check_out)` through the API and returns the code.
async fn book(app: &TestApp, cabin: i32, check_in: NaiveDate, check_out: NaiveDate) -> String {
    let resp = reply(
        app.client
            .post("/api/v1/reservations")
            .body_json(&fixtures::booking(cabin, check_in, check_out))
            .send()
            .await,
    )
    .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.body["code"].as_str().expect("code").to_owned()
}

async fn availability(app: &TestApp, cabin: i32, query: &str) -> Reply {
    reply(
        app.client
            .get(format!(
                "/api/v1/accommodations/{cabin}/availability{query}"
            ))
            .send()
            .await,
    )
    .await
}

#[tokio::test]
async fn busy_ranges_say_whether_they_are_held_or_booked_in_date_order() {
    // Arrange: a hold, then an earlier stay the owner confirmed, then a cancelled one.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let today = app.today();
    let held = (today + Duration::days(20), today + Duration::days(23));
    let booked = (today + Duration::days(5), today + Duration::days(7));
    let cancelled = (today + Duration::days(30), today + Duration::days(31));
    book(&app, cabin.id, held.0, held.1).await;
    let confirmed = book(&app, cabin.id, booked.0, booked.1).await;
    fixtures::set_status(app.conn(), &confirmed, "confirmed").await;
    let dropped = book(&app, cabin.id, cancelled.0, cancelled.1).await;
    fixtures::set_status(app.conn(), &dropped, "cancelled").await;

    // Act
    let resp = availability(&app, cabin.id, "").await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.body,
        json!({
            "accommodation_id": cabin.id,
            "from": today.to_string(),
            "to": (today + Duration::days(90)).to_string(),
            "busy": [
                {"check_in": booked.0.to_string(), "check_out": booked.1.to_string(), "status": "booked"},
                {"check_in": held.0.to_string(), "check_out": held.1.to_string(), "status": "held"},
            ],
        })
    );
}

#[tokio::test]
async fn busy_ranges_carry_no_guest_data() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(3);
    book(&app, cabin.id, check_in, check_in + Duration::days(1)).await;

    let resp = availability(&app, cabin.id, "").await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    let range = resp.body["busy"][0].as_object().expect("one busy range");
    let mut keys: Vec<&str> = range.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["check_in", "check_out", "status"]);
    for personal in [
        "Martín",
        "Pérez",
        "5491112345678",
        "martin@example.com",
        "RES",
    ] {
        assert!(!resp.text.contains(personal), "{personal} in {}", resp.text);
    }
}

#[tokio::test]
async fn an_expired_hold_is_not_listed_even_before_the_worker_sweeps_it() {
    // Arrange: a hold whose 30 minutes have passed; no worker runs, so the row is still
    // `pre_reserved`.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(10);
    let code = book(&app, cabin.id, check_in, check_in + Duration::days(2)).await;
    app.clock.advance(Duration::minutes(31));

    // Act
    let resp = availability(&app, cabin.id, "").await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["busy"], json!([]));
    let row = fixtures::reservation(app.conn(), &code).await;
    assert_eq!(row.status.as_str(), "pre_reserved");
}

#[tokio::test]
async fn a_hold_is_still_listed_one_minute_before_it_lapses() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(10);
    book(&app, cabin.id, check_in, check_in + Duration::days(2)).await;
    app.clock.advance(Duration::minutes(29));

    let resp = availability(&app, cabin.id, "").await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["busy"].as_array().map(Vec::len), Some(1));
    assert_eq!(resp.body["busy"][0]["status"], "held");
}

#[tokio::test]
async fn a_window_with_only_a_start_spans_ninety_days() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let from = app.today() + Duration::days(100);

    let resp = availability(&app, cabin.id, &format!("?from={from}")).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["from"], from.to_string());
    assert_eq!(resp.body["to"], (from + Duration::days(90)).to_string());
}

#[tokio::test]
async fn ranges_that_only_touch_the_window_edges_are_left_out_and_straddling_ones_kept() {
    // Arrange: a window [d10, d20); stays ending on d10, starting on d20, and straddling d20.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(n);
    book(&app, cabin.id, day(8), day(10)).await;
    book(&app, cabin.id, day(19), day(21)).await;
    book(&app, cabin.id, day(21), day(23)).await;

    // Act
    let resp = availability(&app, cabin.id, &format!("?from={}&to={}", day(10), day(21))).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.body["busy"],
        json!([{"check_in": day(19).to_string(), "check_out": day(21).to_string(), "status": "held"}])
    );
}

#[tokio::test]
async fn a_window_that_ends_before_it_starts_is_unprocessable() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let from = app.today() + Duration::days(10);

    for to in [from, from - Duration::days(1)] {
        let resp = availability(&app, cabin.id, &format!("?from={from}&to={to}")).await;

        assert_eq!(resp.status, 422, "{}", resp.text);
        assert_eq!(resp.body["code"], "validation_error");
        assert_eq!(
            resp.field_errors(),
            vec![("to".to_owned(), "not_after_from".to_owned())]
        );
    }
}

#[tokio::test]
async fn a_window_of_366_days_is_allowed_but_367_is_not() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let from = app.today();

    let longest = availability(
        &app,
        cabin.id,
        &format!("?from={from}&to={}", from + Duration::days(366)),
    )
    .await;
    let too_long = availability(
        &app,
        cabin.id,
        &format!("?from={from}&to={}", from + Duration::days(367)),
    )
    .await;

    assert_eq!(longest.status, 200, "{}", longest.text);
    assert_eq!(too_long.status, 422, "{}", too_long.text);
    assert_eq!(
        too_long.field_errors(),
        vec![("to".to_owned(), "window_too_long".to_owned())]
    );
}

#[tokio::test]
async fn a_malformed_date_in_the_query_is_a_bad_request() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;

    for query in ["?from=2026-02-30", "?from=15/01/2027", "?to=mañana"] {
        let resp = availability(&app, cabin.id, query).await;

        assert_eq!(resp.status, 400, "{query}: {}", resp.text);
        assert_eq!(resp.keys(), vec!["code", "message", "trace_id"], "{query}");
        assert_eq!(resp.body["code"], "bad_request");
        assert_eq!(resp.body["trace_id"], resp.request_id());
    }
}

#[tokio::test]
async fn the_availability_of_an_unknown_or_inactive_accommodation_is_not_found() {
    let app = TestApp::new().await;
    let closed = fixtures::cabin("Cerrada")
        .inactive()
        .insert(app.conn())
        .await;

    let unknown = availability(&app, closed.id + 1000, "").await;
    let inactive = availability(&app, closed.id, "").await;

    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert_eq!(unknown.body["code"], "not_found");
    assert_eq!(inactive.status, 404, "{}", inactive.text);
    assert_eq!(inactive.body["code"], "not_found");
}
