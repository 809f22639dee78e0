//! `MAX_MONTHS_AHEAD`: a check-in too far ahead is a 422 naming `check_in`, on every route
//! that prices or books a stay.

use chrono::{Duration, Months};
use serde_json::json;
use tests::harness::{TestApp, fixtures, http::pairs, reply};

#[tokio::test]
async fn a_check_in_past_the_horizon_is_refused_with_a_field_error() {
    // Arrange: bookings open three months ahead.
    let app = TestApp::with_settings(|s| s.max_months_ahead = 3).await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let last = app.today() + Months::new(3);
    let admin = app.admin().await;

    // Act + Assert: the last day is bookable, the day after is not.
    let ok = fixtures::booking(cabin.id, last, last + Duration::days(2));
    let resp = app.book(&ok).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let late = last + Duration::days(1);
    let body = fixtures::booking(cabin.id, late, late + Duration::days(2));
    for path in ["/api/v1/quotes", "/api/v1/reservations"] {
        let resp = reply(app.client.post(path).body_json(&body).send().await).await;
        assert_eq!(resp.status, 422, "{path}: {}", resp.text);
        assert_eq!(
            resp.field_errors(),
            pairs(&[("check_in", "too_far_ahead")]),
            "{path}: {}",
            resp.text
        );
    }
    let resp = admin
        .post(
            "/admin/reservations",
            &json!({
                "accommodation_id": cabin.id, "check_in": late.to_string(),
                "check_out": (late + Duration::days(2)).to_string(), "guests": 2,
                "guest_name": "Ana",
            }),
        )
        .await;
    assert_eq!(resp.status.as_u16(), 422, "{}", resp.body);
}

#[tokio::test]
async fn eighteen_months_is_the_default_horizon() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let late = app.today() + Months::new(18) + Duration::days(1);

    let body = fixtures::booking(cabin.id, late, late + Duration::days(1));
    let resp = app.book(&body).await;

    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(resp.field_errors(), pairs(&[("check_in", "too_far_ahead")]));
}
