//! Paths kept from the system this replaces: `POST /reservations/pre-reserve` with the old
//! `contact_*` field names, and `GET /reservations/accommodations`.

use chrono::{DateTime, Duration, NaiveDate, Weekday};
use serde_json::{Value, json};
use tests::harness::{Reply, TestApp, fixtures, http::pairs, reply};

fn legacy_booking(cabin: i32, check_in: NaiveDate, check_out: NaiveDate) -> Value {
    json!({
        "accommodation_id": cabin,
        "check_in": check_in.to_string(),
        "check_out": check_out.to_string(),
        "guests": 3,
        "channel": "whatsapp",
        "contact_name": "Ana Gómez",
        "contact_phone": "+54 9 294 400-0000",
        "contact_email": "ana@example.com",
    })
}

async fn pre_reserve(app: &TestApp, body: &Value) -> Reply {
    reply(
        app.client
            .post("/api/v1/reservations/pre-reserve")
            .body_json(body)
            .send()
            .await,
    )
    .await
}

fn a_monday(app: &TestApp) -> NaiveDate {
    fixtures::next_weekday(app.today() + Duration::days(14), Weekday::Mon)
}

#[tokio::test]
async fn the_legacy_pre_reserve_path_creates_a_hold_from_contact_fields() {
    // Arrange: Monday to Wednesday, two weekday nights at 50000.00.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);

    // Act
    let resp = pre_reserve(
        &app,
        &legacy_booking(cabin.id, monday, monday + Duration::days(2)),
    )
    .await;

    // Assert: the same body as POST /reservations.
    assert_eq!(resp.status, 201, "{}", resp.text);
    assert_eq!(
        resp.keys(),
        vec![
            "accommodation_id",
            "check_in",
            "check_out",
            "code",
            "currency",
            "deposit_amount",
            "expires_at",
            "guests",
            "nights",
            "status",
            "total_price",
        ]
    );
    let code = resp.body["code"].as_str().expect("code");
    assert_eq!(code.len(), 15, "{code}");
    assert!(code.starts_with("RES"), "{code}");
    assert!(
        DateTime::parse_from_rfc3339(resp.body["expires_at"].as_str().expect("expires_at")).is_ok(),
        "{}",
        resp.text
    );
    assert_eq!(resp.body["status"], "pre_reserved");
    assert_eq!(resp.body["nights"], 2);
    assert_eq!(resp.body["guests"], 3);
    assert_eq!(resp.body["total_price"], "100000.00");
    assert_eq!(resp.body["deposit_amount"], "30000.00");
    let row = fixtures::reservation(app.conn(), code).await;
    assert_eq!(row.guest_name.as_str(), "Ana Gómez");
    assert_eq!(
        row.guest_phone.as_ref().map(|v| v.as_str()),
        Some("+5492944000000")
    );
    assert_eq!(
        row.guest_email.as_ref().map(|v| v.as_str()),
        Some("ana@example.com")
    );
    assert_eq!(row.channel.as_str(), "whatsapp");
}

#[tokio::test]
async fn legacy_validation_errors_name_the_contact_fields() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let mut body = legacy_booking(cabin.id, monday, monday + Duration::days(2));
    body["contact_name"] = json!("");
    body["contact_phone"] = json!("abc");
    body["contact_email"] = json!("ana@");

    // Act
    let resp = pre_reserve(&app, &body).await;

    // Assert
    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(resp.body["code"], "validation_error");
    assert_eq!(
        resp.field_errors(),
        pairs(&[
            ("contact_email", "invalid_email"),
            ("contact_name", "required"),
            ("contact_phone", "invalid_phone"),
        ])
    );
    assert!(fixtures::reservations(app.conn()).await.is_empty());
}

#[tokio::test]
async fn the_legacy_path_refuses_overlaps_like_the_new_one() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let new_path = app
        .client
        .post("/api/v1/reservations")
        .body_json(&fixtures::booking(
            cabin.id,
            monday,
            monday + Duration::days(2),
        ))
        .send()
        .await;
    new_path.assert_status(poem::http::StatusCode::CREATED);

    let resp = pre_reserve(
        &app,
        &legacy_booking(
            cabin.id,
            monday + Duration::days(1),
            monday + Duration::days(3),
        ),
    )
    .await;

    assert_eq!(resp.status, 409, "{}", resp.text);
    assert_eq!(resp.body["code"], "date_overlap");
}

#[tokio::test]
async fn the_legacy_accommodation_list_matches_the_new_one() {
    // Arrange
    let app = TestApp::new().await;
    fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    fixtures::cabin("Cerrada")
        .inactive()
        .insert(app.conn())
        .await;

    // Act
    let legacy = reply(
        app.client
            .get("/api/v1/reservations/accommodations")
            .send()
            .await,
    )
    .await;
    let current = reply(app.client.get("/api/v1/accommodations").send().await).await;

    // Assert
    assert_eq!(legacy.status, 200, "{}", legacy.text);
    assert_eq!(legacy.body.as_array().map(Vec::len), Some(1));
    assert_eq!(legacy.body[0]["name"], "Cabaña del Lago");
    assert_eq!(legacy.body[0]["base_price"], "50000.00");
    assert_eq!(legacy.body, current.body);
}
