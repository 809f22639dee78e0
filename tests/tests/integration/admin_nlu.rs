//! `POST /admin/nlu/analyze`: what the concierge's rules read in a guest message, relative
//! to the app's clock, with the named cabin matched against the active catalog.

use chrono::NaiveDate;
use poem::http::{Method, StatusCode};
use serde_json::json;
use tests::harness::{TestApp, fixtures};

const PATH: &str = "/admin/nlu/analyze";

#[tokio::test]
async fn a_message_is_read_into_intent_dates_guests_and_cabin() {
    // Arrange
    let app = TestApp::new().await;
    app.travel_to(NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"));
    let lago = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    fixtures::cabin("Cabaña del Bosque")
        .insert(app.conn())
        .await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post(
            PATH,
            &json!({"text": "hola, ¿tienen lugar en la del lago para 4 del 15 al 17 de enero?"}),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["intent"], "availability");
    assert_eq!(reply.body["check_in"], "2027-01-15");
    assert_eq!(reply.body["check_out"], "2027-01-17");
    assert_eq!(reply.body["nights"], 2);
    assert_eq!(reply.body["guests"], 4);
    assert_eq!(reply.body["accommodation_id"], lago.id);
    let confidence = reply.body["confidence"].as_f64().expect("confidence");
    assert!(confidence > 0.5 && confidence <= 1.0, "{confidence}");
}

#[tokio::test]
async fn what_is_not_understood_is_null() {
    // Arrange
    let app = TestApp::new().await;
    fixtures::cabin("Cabaña del Lago")
        .inactive()
        .insert(app.conn())
        .await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post(PATH, &json!({"text": "la del lago, jajaja"}))
        .await;

    // Assert: an inactive cabin is never matched.
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["intent"], "unknown");
    for field in [
        "check_in",
        "check_out",
        "nights",
        "guests",
        "accommodation_id",
    ] {
        assert!(reply.body[field].is_null(), "{field}: {}", reply.body);
    }
}

#[tokio::test]
async fn an_anonymous_caller_gets_401() {
    let app = TestApp::new().await;

    let reply = app
        .request(
            Method::POST,
            &format!("/api/v1{PATH}"),
            None,
            Some(&json!({"text": "hola"})),
        )
        .await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

#[tokio::test]
async fn an_empty_or_too_long_text_is_a_422() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    for text in ["", "   ", &"a".repeat(4_097)] {
        let reply = admin.post(PATH, &json!({ "text": text })).await;

        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{} chars: {}",
            text.len(),
            reply.body
        );
        assert_eq!(reply.body["details"][0]["field"], "text", "{}", reply.body);
    }
}
