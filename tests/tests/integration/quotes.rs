//! `POST /quotes`: the price of every night, the deposit, and whether the nights are free.

use chrono::{Duration, NaiveDate, Weekday};
use serde_json::{Value, json};
use tests::harness::{Reply, TestApp, fixtures, http::pairs, reply};

fn stay(cabin: i32, check_in: NaiveDate, check_out: NaiveDate, guests: i64) -> Value {
    json!({
        "accommodation_id": cabin,
        "check_in": check_in.to_string(),
        "check_out": check_out.to_string(),
        "guests": guests,
    })
}

async fn quote(app: &TestApp, body: &Value) -> Reply {
    reply(
        app.client
            .post("/api/v1/quotes")
            .body_json(body)
            .send()
            .await,
    )
    .await
}

/// A Monday at least a week away.
fn a_monday(app: &TestApp) -> NaiveDate {
    fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon)
}

#[tokio::test]
async fn a_weekday_stay_costs_the_base_rate_every_night() {
    // Arrange: Monday to Thursday, three weekday nights at 50000.00.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let day = |n: i64| (monday + Duration::days(n)).to_string();

    // Act
    let resp = quote(&app, &stay(cabin.id, monday, monday + Duration::days(3), 2)).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.body,
        json!({
            "accommodation_id": cabin.id,
            "check_in": day(0),
            "check_out": day(3),
            "nights": 3,
            "guests": 2,
            "available": true,
            "currency": "ARS",
            "weekday_nights": 3,
            "weekend_nights": 0,
            "base_rate": "50000.00",
            "weekend_rate": "60000.00",
            "nightly": [
                {"date": day(0), "weekend": false, "price": "50000.00"},
                {"date": day(1), "weekend": false, "price": "50000.00"},
                {"date": day(2), "weekend": false, "price": "50000.00"},
            ],
            "total_price": "150000.00",
            "deposit_percent": 30,
            "deposit_amount": "45000.00",
            "balance_amount": "105000.00",
        })
    );
}

#[tokio::test]
async fn friday_and_saturday_nights_cost_base_times_the_weekend_multiplier() {
    // Arrange: Thursday to Monday: Thu, Fri, Sat, Sun nights.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña")
        .base_price("45000")
        .insert(app.conn())
        .await;
    let thursday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Thu);

    // Act
    let resp = quote(
        &app,
        &stay(cabin.id, thursday, thursday + Duration::days(4), 4),
    )
    .await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    let nightly: Vec<(bool, &str)> = resp.body["nightly"]
        .as_array()
        .expect("nightly")
        .iter()
        .map(|n| {
            (
                n["weekend"].as_bool().expect("weekend"),
                n["price"].as_str().expect("price"),
            )
        })
        .collect();
    assert_eq!(
        nightly,
        vec![
            (false, "45000.00"),
            (true, "54000.00"),
            (true, "54000.00"),
            (false, "45000.00"),
        ]
    );
    assert_eq!(resp.body["weekday_nights"], 2);
    assert_eq!(resp.body["weekend_nights"], 2);
    assert_eq!(resp.body["weekend_rate"], "54000.00");
    assert_eq!(resp.body["total_price"], "198000.00");
    assert_eq!(resp.body["deposit_amount"], "59400.00");
    assert_eq!(resp.body["balance_amount"], "138600.00");
}

#[tokio::test]
async fn a_half_cent_deposit_rounds_away_from_zero() {
    // Arrange: one weekday night at 333.35; 30 % is 100.005.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña")
        .base_price("333.35")
        .insert(app.conn())
        .await;
    let monday = a_monday(&app);

    // Act
    let resp = quote(&app, &stay(cabin.id, monday, monday + Duration::days(1), 1)).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["total_price"], "333.35");
    assert_eq!(resp.body["deposit_amount"], "100.01");
    assert_eq!(resp.body["balance_amount"], "233.34");
}

#[tokio::test]
async fn fractional_weekend_rates_round_to_cents_before_summing() {
    // Arrange: 333.33 × 1.15 = 383.3295 → 383.33 a weekend night; Fri + Sat = 766.66;
    // 30 % = 229.998 → 230.00.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña")
        .base_price("333.33")
        .weekend_multiplier("1.15")
        .insert(app.conn())
        .await;
    let friday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Fri);

    // Act
    let resp = quote(&app, &stay(cabin.id, friday, friday + Duration::days(2), 2)).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["weekend_rate"], "383.33");
    assert_eq!(resp.body["total_price"], "766.66");
    assert_eq!(resp.body["deposit_amount"], "230.00");
    assert_eq!(resp.body["balance_amount"], "536.66");
}

#[tokio::test]
async fn nights_held_by_someone_else_are_quoted_as_unavailable() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let booked = app
        .client
        .post("/api/v1/reservations")
        .body_json(&fixtures::booking(
            cabin.id,
            monday + Duration::days(1),
            monday + Duration::days(2),
        ))
        .send()
        .await;
    booked.assert_status(poem::http::StatusCode::CREATED);

    // Act
    let overlapping = quote(&app, &stay(cabin.id, monday, monday + Duration::days(3), 2)).await;
    let before = quote(&app, &stay(cabin.id, monday, monday + Duration::days(1), 2)).await;
    let after = quote(
        &app,
        &stay(
            cabin.id,
            monday + Duration::days(2),
            monday + Duration::days(4),
            2,
        ),
    )
    .await;

    // Assert: the held night blocks; the stays either side of it are free.
    assert_eq!(overlapping.status, 200, "{}", overlapping.text);
    assert_eq!(overlapping.body["available"], false);
    assert_eq!(overlapping.body["total_price"], "150000.00");
    assert_eq!(before.body["available"], true);
    assert_eq!(after.body["available"], true);
}

#[tokio::test]
async fn nights_of_a_lapsed_hold_are_quoted_as_available() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    let booked = app
        .client
        .post("/api/v1/reservations")
        .body_json(&body)
        .send()
        .await;
    booked.assert_status(poem::http::StatusCode::CREATED);
    app.clock.advance(Duration::minutes(31));

    let resp = quote(&app, &stay(cabin.id, monday, monday + Duration::days(2), 2)).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["available"], true);
}

#[tokio::test]
async fn every_bad_field_of_a_quote_is_reported_at_once() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña")
        .capacity(4)
        .insert(app.conn())
        .await;
    let yesterday = app.today() - Duration::days(1);

    let resp = quote(
        &app,
        &json!({
            "accommodation_id": cabin.id,
            "check_in": yesterday.to_string(),
            "check_out": "2027-02-30",
            "guests": 5,
        }),
    )
    .await;

    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "details", "message", "trace_id"]);
    assert_eq!(resp.body["code"], "validation_error");
    assert_eq!(
        resp.field_errors(),
        pairs(&[
            ("check_in", "in_the_past"),
            ("check_out", "invalid_date"),
            ("guests", "out_of_range"),
        ])
    );
}

#[tokio::test]
async fn quotes_refuse_zero_guests_empty_stays_and_stays_over_sixty_nights() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let cases = [
        (
            stay(cabin.id, monday, monday + Duration::days(1), 0),
            ("guests", "out_of_range"),
        ),
        (
            stay(cabin.id, monday, monday, 2),
            ("check_out", "not_after_check_in"),
        ),
        (
            stay(cabin.id, monday, monday + Duration::days(61), 2),
            ("check_out", "too_long"),
        ),
        (
            stay(cabin.id, monday, monday + Duration::days(1), -1),
            ("guests", "out_of_range"),
        ),
    ];

    for (body, expected) in cases {
        let resp = quote(&app, &body).await;

        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert_eq!(resp.field_errors(), pairs(&[expected]), "{body}");
    }
    let sixty = quote(
        &app,
        &stay(cabin.id, monday, monday + Duration::days(60), 2),
    )
    .await;
    assert_eq!(sixty.status, 200, "{}", sixty.text);
    assert_eq!(sixty.body["nights"], 60);
}

#[tokio::test]
async fn a_quote_for_an_unknown_or_inactive_accommodation_is_not_found() {
    let app = TestApp::new().await;
    let closed = fixtures::cabin("Cerrada")
        .inactive()
        .insert(app.conn())
        .await;
    let monday = a_monday(&app);

    for id in [closed.id, closed.id + 1000] {
        let resp = quote(&app, &stay(id, monday, monday + Duration::days(1), 2)).await;

        assert_eq!(resp.status, 404, "{}", resp.text);
        assert_eq!(resp.body["code"], "not_found");
        assert_eq!(resp.body["message"], "accommodation not found");
    }
}

#[tokio::test]
async fn a_quote_with_a_wrongly_typed_field_is_a_bad_request() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let mut body = stay(cabin.id, monday, monday + Duration::days(1), 2);
    body["guests"] = json!("two");

    let resp = quote(&app, &body).await;

    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "message", "trace_id"]);
    assert_eq!(resp.body["code"], "bad_request");
}
