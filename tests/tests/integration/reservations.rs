//! `POST /reservations`: holding nights, refusing overlaps, letting lapsed or cancelled
//! reservations go, and reporting every bad field.

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};
use shared::clock::Clock;
use tests::harness::{Reply, TestApp, fixtures, reply};

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

/// A Monday at least two weeks away (so a two-night stay is two weekday nights).
fn a_monday(app: &TestApp) -> NaiveDate {
    fixtures::next_weekday(app.today() + Duration::days(14), Weekday::Mon)
}

/// Whether `code` matches `^RES\d{6}[A-Z0-9]{6}$`.
fn is_reservation_code(code: &str) -> bool {
    code.len() == 15
        && code.starts_with("RES")
        && code[3..9].bytes().all(|b| b.is_ascii_digit())
        && code[9..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn timestamp(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a timestamp string"))
        .expect("an RFC 3339 timestamp")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_reservation_is_created_with_exactly_the_documented_fields() {
    // Arrange: Monday and Tuesday nights at 50000.00.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let before = app.clock.now();

    // Act
    let resp = post(
        &app,
        &fixtures::booking(cabin.id, monday, monday + Duration::days(2)),
    )
    .await;
    let after = app.clock.now();

    // Assert: the body.
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
    assert!(is_reservation_code(code), "{code}");
    assert_eq!(&code[3..9], app.today().format("%y%m%d").to_string());
    let mut expected = json!({
        "code": code,
        "status": "pre_reserved",
        "accommodation_id": cabin.id,
        "check_in": monday.to_string(),
        "check_out": (monday + Duration::days(2)).to_string(),
        "nights": 2,
        "guests": 2,
        "total_price": "100000.00",
        "deposit_amount": "30000.00",
        "currency": "ARS",
    });
    expected["expires_at"] = resp.body["expires_at"].clone();
    assert_eq!(resp.body, expected);
    // Thirty minutes from now (the database keeps microseconds, so allow 1 ms of rounding).
    let expires_at = timestamp(&resp.body["expires_at"]);
    let slack = Duration::milliseconds(1);
    assert!(
        expires_at >= before + Duration::minutes(30) - slack
            && expires_at <= after + Duration::minutes(30) + slack,
        "expires_at {expires_at} not 30 minutes after the request ({before} .. {after})"
    );

    // Assert: the row.
    let row = fixtures::reservation(app.conn(), code).await;
    assert_eq!(row.status.as_str(), "pre_reserved");
    assert_eq!(row.channel.as_str(), "web");
    assert_eq!(row.guest_name.as_str(), "Martín Pérez");
    assert_eq!(
        row.guest_phone.as_ref().map(|v| v.as_str()),
        Some("+5491112345678")
    );
    assert_eq!(
        row.guest_email.as_ref().map(|v| v.as_str()),
        Some("martin@example.com")
    );
    assert_eq!(row.total_price.to_string(), "100000.00");
    assert_eq!(row.deposit_amount.to_string(), "30000.00");
}

#[tokio::test]
async fn a_hold_expires_exactly_thirty_minutes_after_it_was_created() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let created = post(
        &app,
        &fixtures::booking(cabin.id, monday, monday + Duration::days(1)),
    )
    .await;
    let code = created.body["code"].as_str().expect("code");

    let row = fixtures::reservation(app.conn(), code).await;

    let expires_at = row.expires_at.expect("a hold has an expiry");
    assert_eq!(expires_at - row.created_at, Duration::minutes(30));
    assert_eq!(timestamp(&created.body["expires_at"]), expires_at);
}

#[tokio::test]
async fn nights_taken_by_another_hold_are_a_date_overlap_conflict() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let first = post(
        &app,
        &fixtures::booking(cabin.id, monday, monday + Duration::days(3)),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);

    // Act: one night in common.
    let resp = post(
        &app,
        &fixtures::booking(
            cabin.id,
            monday + Duration::days(2),
            monday + Duration::days(4),
        ),
    )
    .await;

    // Assert
    assert_eq!(resp.status, 409, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "message", "trace_id"]);
    assert_eq!(resp.body["code"], "date_overlap");
    assert_eq!(
        resp.body["message"],
        "those nights are already taken for this accommodation"
    );
    assert_eq!(resp.body["trace_id"], resp.request_id());
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 1);
}

#[tokio::test]
async fn stays_inside_around_and_equal_to_a_hold_all_conflict() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| a_monday(&app) + Duration::days(n);
    let first = post(&app, &fixtures::booking(cabin.id, day(2), day(5))).await;
    assert_eq!(first.status, 201, "{}", first.text);

    for (check_in, check_out) in [(2, 5), (3, 4), (1, 6), (1, 3), (4, 6)] {
        let resp = post(
            &app,
            &fixtures::booking(cabin.id, day(check_in), day(check_out)),
        )
        .await;

        assert_eq!(resp.status, 409, "{check_in}..{check_out}: {}", resp.text);
        assert_eq!(resp.body["code"], "date_overlap");
    }
}

#[tokio::test]
async fn the_same_nights_in_another_cabin_are_free() {
    let app = TestApp::new().await;
    let lake = fixtures::cabin("Lago").insert(app.conn()).await;
    let forest = fixtures::cabin("Bosque").insert(app.conn()).await;
    let monday = a_monday(&app);
    let end = monday + Duration::days(2);

    let first = post(&app, &fixtures::booking(lake.id, monday, end)).await;
    let second = post(&app, &fixtures::booking(forest.id, monday, end)).await;

    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(second.status, 201, "{}", second.text);
}

#[tokio::test]
async fn a_stay_may_start_on_the_day_another_one_ends() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| a_monday(&app) + Duration::days(n);
    let first = post(&app, &fixtures::booking(cabin.id, day(0), day(2))).await;
    assert_eq!(first.status, 201, "{}", first.text);

    let next = post(&app, &fixtures::booking(cabin.id, day(2), day(4))).await;

    assert_eq!(next.status, 201, "{}", next.text);
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 2);
}

#[tokio::test]
async fn a_stay_may_end_on_the_day_another_one_starts() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| a_monday(&app) + Duration::days(n);
    let first = post(&app, &fixtures::booking(cabin.id, day(2), day(4))).await;
    assert_eq!(first.status, 201, "{}", first.text);

    let earlier = post(&app, &fixtures::booking(cabin.id, day(0), day(2))).await;

    assert_eq!(earlier.status, 201, "{}", earlier.text);
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 2);
}

#[tokio::test]
async fn an_expired_hold_does_not_block_a_new_booking_and_ends_expired() {
    // Arrange: a hold whose 30 minutes have passed; no worker is running.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    let old = post(&app, &body).await;
    assert_eq!(old.status, 201, "{}", old.text);
    let old_code = old.body["code"].as_str().expect("code");
    app.clock.advance(Duration::minutes(31));

    // Act
    let new = post(&app, &body).await;

    // Assert
    assert_eq!(new.status, 201, "{}", new.text);
    let old_row = fixtures::reservation(app.conn(), old_code).await;
    assert_eq!(old_row.status.as_str(), "expired");
    assert!(old_row.expired_at.is_some(), "expired_at is stamped");
    let new_row = fixtures::reservation(app.conn(), new.body["code"].as_str().expect("code")).await;
    assert_eq!(new_row.status.as_str(), "pre_reserved");
}

#[tokio::test]
async fn a_hold_still_blocks_one_minute_before_it_lapses() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    let old = post(&app, &body).await;
    assert_eq!(old.status, 201, "{}", old.text);
    app.clock.advance(Duration::minutes(29));

    let new = post(&app, &body).await;

    assert_eq!(new.status, 409, "{}", new.text);
    let old_row = fixtures::reservation(app.conn(), old.body["code"].as_str().expect("code")).await;
    assert_eq!(old_row.status.as_str(), "pre_reserved");
}

#[tokio::test]
async fn a_confirmed_reservation_blocks_even_after_thirty_minutes() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    let old = post(&app, &body).await;
    let old_code = old.body["code"].as_str().expect("code");
    fixtures::set_status(app.conn(), old_code, "confirmed").await;
    app.clock.advance(Duration::minutes(31));

    let new = post(&app, &body).await;

    assert_eq!(new.status, 409, "{}", new.text);
    assert_eq!(new.body["code"], "date_overlap");
    let old_row = fixtures::reservation(app.conn(), old_code).await;
    assert_eq!(old_row.status.as_str(), "confirmed");
}

#[tokio::test]
async fn a_cancelled_reservation_does_not_block_its_nights() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(2));
    let old = post(&app, &body).await;
    let old_code = old.body["code"].as_str().expect("code");
    fixtures::set_status(app.conn(), old_code, "cancelled").await;

    // Act
    let new = post(&app, &body).await;

    // Assert
    assert_eq!(new.status, 201, "{}", new.text);
    let old_row = fixtures::reservation(app.conn(), old_code).await;
    assert_eq!(old_row.status.as_str(), "cancelled");
}

#[tokio::test]
async fn booking_an_unknown_or_inactive_accommodation_is_not_found() {
    let app = TestApp::new().await;
    let closed = fixtures::cabin("Cerrada")
        .inactive()
        .insert(app.conn())
        .await;
    let monday = a_monday(&app);

    for id in [closed.id + 1000, closed.id] {
        let resp = post(
            &app,
            &fixtures::booking(id, monday, monday + Duration::days(1)),
        )
        .await;

        assert_eq!(resp.status, 404, "{}", resp.text);
        assert_eq!(resp.body["code"], "not_found");
        assert_eq!(resp.body["message"], "accommodation not found");
    }
    assert!(fixtures::reservations(app.conn()).await.is_empty());
}

#[tokio::test]
async fn whatsapp_and_phone_bookings_are_accepted_and_recorded_with_their_channel() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);

    for (offset, channel) in [(0, "whatsapp"), (2, "phone"), (4, "WEB")] {
        let mut body = fixtures::booking(
            cabin.id,
            monday + Duration::days(offset),
            monday + Duration::days(offset + 1),
        );
        body["channel"] = json!(channel);

        let resp = post(&app, &body).await;

        assert_eq!(resp.status, 201, "{channel}: {}", resp.text);
        let row =
            fixtures::reservation(app.conn(), resp.body["code"].as_str().expect("code")).await;
        assert_eq!(row.channel.as_str(), channel.to_ascii_lowercase());
    }
}

#[tokio::test]
async fn email_and_notes_are_optional_and_phones_are_normalised() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = a_monday(&app);
    let mut body = fixtures::booking(cabin.id, monday, monday + Duration::days(1));
    let fields = body.as_object_mut().expect("object");
    fields.remove("guest_email");
    fields.insert("guest_phone".into(), json!("(11) 1234-5678"));
    fields.insert("notes".into(), json!("  Llegamos tarde  "));

    let resp = post(&app, &body).await;

    assert_eq!(resp.status, 201, "{}", resp.text);
    let row = fixtures::reservation(app.conn(), resp.body["code"].as_str().expect("code")).await;
    assert_eq!(row.guest_email, None);
    assert_eq!(
        row.guest_phone.as_ref().map(|v| v.as_str()),
        Some("+5491112345678")
    );
    assert_eq!(row.notes.as_deref(), Some("Llegamos tarde"));
}
