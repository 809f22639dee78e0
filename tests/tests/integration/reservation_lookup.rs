//! `GET /reservations/{code}`: status, dates and amounts for whoever holds the code; the
//! guest's name masked, no phone or email.

use chrono::{Duration, NaiveDate, Weekday};
use serde_json::{Value, json};
use tests::harness::{Reply, TestApp, fixtures, reply};

/// Books Monday and Tuesday nights two weeks away and returns the code.
async fn book(app: &TestApp) -> (String, NaiveDate) {
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = fixtures::next_weekday(app.today() + Duration::days(14), Weekday::Mon);
    let resp = reply(
        app.client
            .post("/api/v1/reservations")
            .body_json(&fixtures::booking(
                cabin.id,
                monday,
                monday + Duration::days(2),
            ))
            .send()
            .await,
    )
    .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    (resp.body["code"].as_str().expect("code").to_owned(), monday)
}

async fn get(app: &TestApp, code: &str) -> Reply {
    reply(
        app.client
            .get(format!("/api/v1/reservations/{code}"))
            .send()
            .await,
    )
    .await
}

/// Every object key anywhere in `value`.
fn all_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                keys.push(key.clone());
                all_keys(inner, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| all_keys(v, keys)),
        _ => {}
    }
}

#[tokio::test]
async fn a_reservation_shows_its_status_dates_and_amounts_with_the_name_masked() {
    // Arrange
    let app = TestApp::new().await;
    let (code, monday) = book(&app).await;
    let row = fixtures::reservation(app.conn(), &code).await;

    // Act
    let resp = get(&app, &code).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    let mut expected = json!({
        "code": code,
        "status": "pre_reserved",
        "payment_status": "unpaid",
        "accommodation_id": row.accommodation_id,
        "check_in": monday.to_string(),
        "check_out": (monday + Duration::days(2)).to_string(),
        "nights": 2,
        "guests": 2,
        "guest_name": "M*** P***",
        "total_price": "100000.00",
        "deposit_amount": "30000.00",
        "paid_amount": "0.00",
        "currency": "ARS",
    });
    expected["expires_at"] = resp.body["expires_at"].clone();
    expected["created_at"] = resp.body["created_at"].clone();
    assert_eq!(resp.body, expected);
    assert!(resp.body["expires_at"].is_string(), "{}", resp.text);
}

#[tokio::test]
async fn a_reservation_never_shows_the_guests_phone_or_email() {
    let app = TestApp::new().await;
    let (code, _) = book(&app).await;

    let resp = get(&app, &code).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    let mut keys = Vec::new();
    all_keys(&resp.body, &mut keys);
    for forbidden in ["guest_phone", "guest_email", "phone", "email", "notes"] {
        assert!(
            !keys.iter().any(|k| k == forbidden),
            "{forbidden} in {keys:?}"
        );
    }
    for personal in [
        "5491112345678",
        "1112345678",
        "martin@example.com",
        "Martín",
        "Pérez",
    ] {
        assert!(!resp.text.contains(personal), "{personal} in {}", resp.text);
    }
}

#[tokio::test]
async fn a_code_is_found_whatever_its_case() {
    let app = TestApp::new().await;
    let (code, _) = book(&app).await;

    let resp = get(&app, &code.to_ascii_lowercase()).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["code"], code);
}

#[tokio::test]
async fn a_lapsed_hold_shows_as_expired_once_swept_and_hides_its_expiry() {
    // Arrange: the hold lapses and a new booking of the same nights sweeps it.
    let app = TestApp::new().await;
    let (code, monday) = book(&app).await;
    let row = fixtures::reservation(app.conn(), &code).await;
    app.clock.advance(Duration::minutes(31));
    let again = app
        .client
        .post("/api/v1/reservations")
        .body_json(&fixtures::booking(
            row.accommodation_id,
            monday,
            monday + Duration::days(2),
        ))
        .send()
        .await;
    again.assert_status(poem::http::StatusCode::CREATED);

    // Act
    let resp = get(&app, &code).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["status"], "expired");
    assert_eq!(resp.body["expires_at"], Value::Null);
}

#[tokio::test]
async fn an_unknown_code_is_not_found() {
    let app = TestApp::new().await;
    book(&app).await;

    let resp = get(&app, "RES260101ABCDEF").await;

    assert_eq!(resp.status, 404, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "message", "trace_id"]);
    assert_eq!(resp.body["code"], "not_found");
    assert_eq!(resp.body["message"], "reservation not found");
    assert_eq!(resp.body["trace_id"], resp.request_id());
}

#[tokio::test]
async fn a_malformed_code_is_not_found() {
    let app = TestApp::new().await;
    let (code, _) = book(&app).await;

    for bad in [
        "abc".to_owned(),
        "RES123".to_owned(),
        format!("{code}X"),
        code.replacen("RES", "RES-", 1),
        "RES2601A0ABCDEF".to_owned(),
        "%20".to_owned(),
    ] {
        let resp = get(&app, &bad).await;

        assert_eq!(resp.status, 404, "{bad}: {}", resp.text);
        assert_eq!(resp.body["code"], "not_found", "{bad}");
    }
}
