//! `POST /reservations` with bad input: 422 `validation_error`, one `details` entry per bad
//! field, and nothing stored.

use chrono::{Duration, NaiveDate, Weekday};
use serde_json::{Value, json};
use tests::harness::{Reply, TestApp, fixtures, http::pairs, reply};

async fn post(app: &TestApp, body: &Value) -> Reply {
    reply(
        app.client
            .post("/api/v1/reservations")
            .body_json(body)
            .send()
            .await,
    )
    .await
}

/// A Monday at least two weeks away.
fn a_monday(app: &TestApp) -> NaiveDate {
    fixtures::next_weekday(app.today() + Duration::days(14), Weekday::Mon)
}

#[tokio::test]
async fn each_bad_field_gets_its_own_validation_error() {
    // Arrange: a cabin for 4; each case breaks one field of a valid booking.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña")
        .capacity(4)
        .insert(app.conn())
        .await;
    let monday = a_monday(&app);
    let yesterday = app.today() - Duration::days(1);
    let valid = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    let cases: Vec<(&str, Value, (&str, &str))> = vec![
        (
            "check_in",
            json!(yesterday.to_string()),
            ("check_in", "in_the_past"),
        ),
        (
            "check_in",
            json!("2027-02-30"),
            ("check_in", "invalid_date"),
        ),
        (
            "check_in",
            json!("15/01/2027"),
            ("check_in", "invalid_date"),
        ),
        ("check_in", json!(""), ("check_in", "required")),
        (
            "check_out",
            json!(monday.to_string()),
            ("check_out", "not_after_check_in"),
        ),
        (
            "check_out",
            json!((monday - Duration::days(1)).to_string()),
            ("check_out", "not_after_check_in"),
        ),
        (
            "check_out",
            json!((monday + Duration::days(61)).to_string()),
            ("check_out", "too_long"),
        ),
        ("guests", json!(0), ("guests", "out_of_range")),
        ("guests", json!(5), ("guests", "out_of_range")),
        ("guest_name", json!(""), ("guest_name", "required")),
        ("guest_name", json!("   "), ("guest_name", "required")),
        (
            "guest_phone",
            json!("abc"),
            ("guest_phone", "invalid_phone"),
        ),
        ("guest_phone", json!(""), ("guest_phone", "required")),
        (
            "guest_email",
            json!("not-an-email"),
            ("guest_email", "invalid_email"),
        ),
        ("channel", json!("airbnb"), ("channel", "invalid_channel")),
        ("channel", json!("fax"), ("channel", "invalid_channel")),
    ];

    for (field, value, expected) in cases {
        let mut body = valid.clone();
        body[field] = value.clone();

        // Act
        let resp = post(&app, &body).await;

        // Assert
        assert_eq!(resp.status, 422, "{field}={value}: {}", resp.text);
        assert_eq!(resp.body["code"], "validation_error");
        assert_eq!(
            resp.field_errors(),
            pairs(&[expected]),
            "{field}={value}: {}",
            resp.text
        );
        let detail = &resp.body["details"][0];
        assert!(
            detail["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{detail}"
        );
    }
    assert!(fixtures::reservations(app.conn()).await.is_empty());
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once_and_nothing_is_stored() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña")
        .capacity(4)
        .insert(app.conn())
        .await;
    let body = json!({
        "accommodation_id": cabin.id,
        "check_in": (app.today() - Duration::days(1)).to_string(),
        "check_out": "2027-13-01",
        "guests": 9,
        "guest_name": " ",
        "guest_phone": "12345",
        "guest_email": "martin@",
    });

    // Act
    let resp = post(&app, &body).await;

    // Assert
    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "details", "message", "trace_id"]);
    assert_eq!(resp.body["message"], "the request has invalid fields");
    assert_eq!(
        resp.field_errors(),
        pairs(&[
            ("check_in", "in_the_past"),
            ("check_out", "invalid_date"),
            ("guests", "out_of_range"),
            ("guest_name", "required"),
            ("guest_phone", "invalid_phone"),
            ("guest_email", "invalid_email"),
        ])
    );
    assert!(fixtures::reservations(app.conn()).await.is_empty());
}

#[tokio::test]
async fn an_invalid_channel_is_reported_together_with_the_other_bad_fields() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let mut body = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    body["channel"] = json!("airbnb");
    body["guest_phone"] = json!("abc");
    body["guests"] = json!(0);

    let resp = post(&app, &body).await;

    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(
        resp.field_errors(),
        pairs(&[
            ("channel", "invalid_channel"),
            ("guest_phone", "invalid_phone"),
            ("guests", "out_of_range"),
        ])
    );
    assert!(fixtures::reservations(app.conn()).await.is_empty());
}

#[tokio::test]
async fn a_missing_accommodation_id_is_a_validation_error() {
    let app = TestApp::new().await;
    let monday = a_monday(&app);
    let mut body = fixtures::booking(1, monday, monday + Duration::days(2));
    body.as_object_mut()
        .expect("object")
        .remove("accommodation_id");

    let resp = post(&app, &body).await;

    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(
        resp.field_errors(),
        pairs(&[("accommodation_id", "required")])
    );
}
