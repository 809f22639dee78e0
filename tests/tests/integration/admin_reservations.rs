//! Admin reservation management: book for a guest, look up, confirm, cancel, edit, and the
//! audit trail every change (and the worker's expiry) leaves.

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};
use shared::service::expiry;
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, AdminSession, Reply, booking_body},
    fixtures,
};

/// A Monday at least a week ahead: Monday and Tuesday nights are weekday nights (50000.00
/// each at the fixture cabin's prices).
fn next_monday(app: &TestApp) -> NaiveDate {
    fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon)
}

fn admin_booking(accommodation_id: i32, check_in: NaiveDate, nights: i64) -> Value {
    booking_body(
        accommodation_id,
        check_in,
        check_in + Duration::days(nights),
        "Ana Gómez",
        json!({}),
    )
}

fn with(body: Value, extra: Value) -> Value {
    let mut body = body;
    for (key, value) in extra.as_object().expect("object") {
        body[key] = value.clone();
    }
    body
}

async fn public_booking(app: &TestApp, accommodation_id: i32, check_in: NaiveDate) -> Reply {
    app.request(
        Method::POST,
        "/api/v1/reservations",
        None,
        Some(&fixtures::booking(
            accommodation_id,
            check_in,
            check_in + Duration::days(2),
        )),
    )
    .await
}

async fn book(admin: &AdminSession<'_>, body: &Value) -> String {
    admin.book(body).await
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {value}"))
        .parse()
        .expect("RFC 3339")
}

fn long_reason() -> String {
    "x".repeat(501)
}

#[tokio::test]
async fn an_admin_booking_is_a_hold_on_the_admin_channel_and_needs_no_phone() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = next_monday(&app);

    // Act
    let reply = admin
        .post("/admin/reservations", &admin_booking(cabin.id, check_in, 2))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    assert_eq!(body["status"], "pre_reserved");
    assert_eq!(body["channel"], "admin");
    assert_eq!(body["payment_status"], "unpaid");
    assert_eq!(body["guest_name"], "Ana Gómez");
    assert_eq!(body["guest_phone"], Value::Null);
    assert_eq!(body["guest_email"], Value::Null);
    assert_eq!(body["check_in"], check_in.to_string());
    assert_eq!(body["nights"], 2);
    assert_eq!(body["price_per_night"], "50000.00");
    assert_eq!(body["total_price"], "100000.00");
    assert_eq!(body["deposit_percent"], 30);
    assert_eq!(body["deposit_amount"], "30000.00");
    assert_eq!(body["balance_due"], "100000.00");
    assert_eq!(
        time(&body["expires_at"]) - time(&body["created_at"]),
        Duration::minutes(30)
    );
    assert_eq!(body["confirmed_at"], Value::Null);
    let without_phone = app
        .request(
            Method::POST,
            "/api/v1/reservations",
            None,
            Some(&with(
                fixtures::booking(
                    cabin.id,
                    check_in + Duration::days(7),
                    check_in + Duration::days(9),
                ),
                json!({ "guest_phone": "" }),
            )),
        )
        .await;
    assert_eq!(without_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_manual_total_replaces_the_price_and_the_deposit_is_30_percent_of_it() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let body = with(
        admin_booking(cabin.id, next_monday(&app), 2),
        json!({ "total_price": "123456.78", "guest_phone": "+5491187654321", "channel": "phone" }),
    );

    // Act
    let reply = admin.post("/admin/reservations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["channel"], "phone");
    assert_eq!(reply.body["guest_phone"], "+5491187654321");
    assert_eq!(reply.body["total_price"], "123456.78");
    assert_eq!(reply.body["deposit_amount"], "37037.03");
    assert_eq!(reply.body["balance_due"], "123456.78");
}

#[tokio::test]
async fn booking_with_confirm_gives_a_confirmed_reservation_without_expiry() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let body = with(
        admin_booking(cabin.id, next_monday(&app), 2),
        json!({ "confirm": true }),
    );

    // Act
    let reply = admin.post("/admin/reservations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["status"], "confirmed");
    assert_eq!(reply.body["expires_at"], Value::Null);
    // Both are "now" of the same request (read a few microseconds apart).
    let gap = time(&reply.body["confirmed_at"]) - time(&reply.body["created_at"]);
    assert!(
        gap.abs() < Duration::seconds(1),
        "confirmed {gap} after creation"
    );
}

#[tokio::test]
async fn an_admin_booking_is_not_subject_to_the_public_hold_lapsing() {
    // Arrange: a confirmed admin booking
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = next_monday(&app);
    let code = book(
        &admin,
        &with(
            admin_booking(cabin.id, check_in, 2),
            json!({ "confirm": true }),
        ),
    )
    .await;

    // Act: long after any hold would have lapsed, the sweep runs and a guest tries the nights
    app.clock.advance(Duration::hours(2));
    let expired = expiry::expire_lapsed_holds(app.conn(), app.clock.as_ref())
        .await
        .expect("sweep");
    let guest = public_booking(&app, cabin.id, check_in).await;

    // Assert
    assert_eq!(expired, 0);
    assert_eq!(guest.status, StatusCode::CONFLICT);
    let detail = admin.get(&format!("/admin/reservations/{code}")).await;
    assert_eq!(detail.body["status"], "confirmed");
}

#[tokio::test]
async fn an_admin_booking_on_taken_nights_answers_409_date_overlap() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = next_monday(&app);
    assert_eq!(
        public_booking(&app, cabin.id, check_in).await.status,
        StatusCode::CREATED
    );

    // Act
    let reply = admin
        .post(
            "/admin/reservations",
            &admin_booking(cabin.id, check_in + Duration::days(1), 3),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.body,
        json!({
            "code": "date_overlap",
            "message": "those nights are already taken for this accommodation",
            "trace_id": reply.request_id,
        })
    );
}

#[tokio::test]
async fn an_admin_booking_with_invalid_fields_answers_422_naming_each_one() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let body = json!({
        "accommodation_id": cabin.id,
        "check_in": (app.today() - Duration::days(1)).to_string(),
        "check_out": (app.today() + Duration::days(1)).to_string(),
        "guests": 9,
        "guest_name": "Ana Gómez",
        "guest_email": "not-an-email",
        "total_price": "-5",
    });

    // Act
    let reply = admin.post("/admin/reservations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields: Vec<&str> = reply.body["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        vec!["check_in", "guest_email", "guests", "total_price"]
    );
}

#[tokio::test]
async fn an_admin_booking_with_an_unknown_channel_answers_422() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let body = with(
        admin_booking(cabin.id, next_monday(&app), 2),
        json!({ "channel": "telepathy" }),
    );

    // Act
    let reply = admin.post("/admin/reservations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["details"][0]["field"], "channel");
    assert_eq!(reply.body["details"][0]["code"], "invalid_channel");
}

#[tokio::test]
async fn an_admin_booking_for_an_unknown_accommodation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post(
            "/admin/reservations",
            &admin_booking(999_999, next_monday(&app), 2),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["message"], "accommodation not found");
}

#[tokio::test]
async fn the_detail_shows_guest_data_the_cabin_name_and_the_audit_trail_in_order() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let body = with(
        admin_booking(cabin.id, next_monday(&app), 2),
        json!({ "guest_phone": "+5491187654321", "guest_email": "ana@example.com" }),
    );
    let created = admin.post("/admin/reservations", &body).await;
    let code = created.body["code"].as_str().expect("code").to_owned();
    let confirmed = admin
        .post_empty(&format!("/admin/reservations/{code}/confirm"))
        .await;
    let updated = admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({ "notes": "Llega tarde" }),
        )
        .await;

    // Act
    let reply = admin
        .get(&format!("/admin/reservations/{}", code.to_lowercase()))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["code"], code.as_str());
    assert_eq!(reply.body["guest_name"], "Ana Gómez");
    assert_eq!(reply.body["guest_phone"], "+5491187654321");
    assert_eq!(reply.body["guest_email"], "ana@example.com");
    assert_eq!(reply.body["notes"], "Llega tarde");
    assert_eq!(reply.body["accommodation_name"], "Cabaña Alerce");
    let trail: Vec<(&str, &str, &str, &str)> = reply.body["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action"),
                e["actor_kind"].as_str().expect("actor_kind"),
                e["actor"].as_str().expect("actor"),
                e["trace_id"].as_str().expect("trace_id"),
            )
        })
        .collect();
    assert_eq!(
        trail,
        vec![
            (
                "reservation.create",
                "admin",
                ADMIN_EMAIL,
                created.request_id.as_str()
            ),
            (
                "reservation.confirm",
                "admin",
                ADMIN_EMAIL,
                confirmed.request_id.as_str()
            ),
            (
                "reservation.update",
                "admin",
                ADMIN_EMAIL,
                updated.request_id.as_str()
            ),
        ]
    );
}

#[tokio::test]
async fn looking_up_an_unknown_or_malformed_code_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let unknown = admin.get("/admin/reservations/RES991231ZZZZZZ").await;
    let malformed = admin.get("/admin/reservations/nope").await;

    // Assert
    for reply in [unknown, malformed] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            reply.body,
            json!({
                "code": "not_found",
                "message": "reservation not found",
                "trace_id": reply.request_id,
            })
        );
    }
}

#[tokio::test]
async fn confirming_a_hold_succeeds_once_and_then_answers_409_invalid_transition() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let code = book(&admin, &admin_booking(cabin.id, next_monday(&app), 2)).await;
    let path = format!("/admin/reservations/{code}/confirm");

    // Act
    let first = admin.post_empty(&path).await;
    let second = admin.post_empty(&path).await;

    // Assert
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["status"], "confirmed");
    assert!(first.body["confirmed_at"].is_string());
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(
        second.body,
        json!({
            "code": "invalid_transition",
            "message": "a confirmed reservation cannot become confirmed",
            "trace_id": second.request_id,
        })
    );
}

#[tokio::test]
async fn confirming_an_unknown_reservation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post_empty("/admin/reservations/RES991231ZZZZZZ/confirm")
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cancelling_frees_the_nights_for_a_public_booking() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = next_monday(&app);
    let code = book(
        &admin,
        &with(
            admin_booking(cabin.id, check_in, 2),
            json!({ "confirm": true }),
        ),
    )
    .await;
    let refused = public_booking(&app, cabin.id, check_in).await;

    // Act
    let reply = admin
        .post(
            &format!("/admin/reservations/{code}/cancel"),
            &json!({ "reason": "  El huésped no puede viajar  " }),
        )
        .await;

    // Assert
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "cancelled");
    assert_eq!(
        reply.body["cancellation_reason"],
        "El huésped no puede viajar"
    );
    assert!(reply.body["cancelled_at"].is_string());
    let guest = public_booking(&app, cabin.id, check_in).await;
    assert_eq!(guest.status, StatusCode::CREATED, "{}", guest.body);
}

#[tokio::test]
async fn cancelling_a_cancelled_reservation_answers_409_invalid_transition() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let code = book(&admin, &admin_booking(cabin.id, next_monday(&app), 2)).await;
    let path = format!("/admin/reservations/{code}/cancel");
    admin.post(&path, &json!({ "reason": "primera" })).await;

    // Act
    let reply = admin.post(&path, &json!({ "reason": "segunda" })).await;

    // Assert
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["code"], "invalid_transition");
    assert_eq!(
        reply.body["message"],
        "a cancelled reservation cannot become cancelled"
    );
    let detail = admin.get(&format!("/admin/reservations/{code}")).await;
    assert_eq!(detail.body["cancellation_reason"], "primera");
}

#[tokio::test]
async fn a_cancellation_reason_over_500_characters_answers_422_and_cancels_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let code = book(&admin, &admin_booking(cabin.id, next_monday(&app), 2)).await;

    // Act
    let reply = admin
        .post(
            &format!("/admin/reservations/{code}/cancel"),
            &json!({ "reason": long_reason() }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["details"],
        json!([{
            "field": "reason",
            "code": "too_long",
            "message": "the reason can have at most 500 characters",
        }])
    );
    let detail = admin.get(&format!("/admin/reservations/{code}")).await;
    assert_eq!(detail.body["status"], "pre_reserved");
}

#[tokio::test]
async fn patching_guest_data_and_notes_changes_them_and_an_empty_phone_clears_it() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let code = book(
        &admin,
        &with(
            admin_booking(cabin.id, next_monday(&app), 2),
            json!({ "guest_phone": "+5491187654321", "notes": "viejo" }),
        ),
    )
    .await;
    let before = admin.get(&format!("/admin/reservations/{code}")).await.body;

    // Act
    let reply = admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({
                "guest_name": "Ana María Gómez",
                "guest_email": "ana@example.com",
                "guest_phone": "",
                "notes": "Trae un perro",
            }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["guest_name"], "Ana María Gómez");
    assert_eq!(reply.body["guest_email"], "ana@example.com");
    assert_eq!(reply.body["guest_phone"], Value::Null);
    assert_eq!(reply.body["notes"], "Trae un perro");
    for unchanged in [
        "check_in",
        "check_out",
        "total_price",
        "deposit_amount",
        "status",
    ] {
        assert_eq!(reply.body[unchanged], before[unchanged], "{unchanged}");
    }
}

#[tokio::test]
async fn changing_the_dates_re_prices_the_stay() {
    // Arrange: Monday and Tuesday nights, 2 × 50000.00
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let monday = next_monday(&app);
    let code = book(&admin, &admin_booking(cabin.id, monday, 2)).await;
    let thursday = monday + Duration::days(3);

    // Act: Thursday, Friday and Saturday nights: 50000.00 + 2 × 60000.00
    let reply = admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({
                "check_in": thursday.to_string(),
                "check_out": (thursday + Duration::days(3)).to_string(),
            }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["check_in"], thursday.to_string());
    assert_eq!(reply.body["nights"], 3);
    assert_eq!(reply.body["total_price"], "170000.00");
    assert_eq!(reply.body["deposit_amount"], "51000.00");
    assert_eq!(reply.body["price_per_night"], "50000.00");
}

#[tokio::test]
async fn moving_a_stay_onto_another_active_reservation_answers_409_and_changes_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let monday = next_monday(&app);
    let code = book(&admin, &admin_booking(cabin.id, monday, 2)).await;
    let other_check_in = monday + Duration::days(7);
    assert_eq!(
        public_booking(&app, cabin.id, other_check_in).await.status,
        StatusCode::CREATED
    );
    let before = admin.get(&format!("/admin/reservations/{code}")).await.body;

    // Act
    let reply = admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({
                "check_in": (other_check_in - Duration::days(1)).to_string(),
                "check_out": (other_check_in + Duration::days(1)).to_string(),
                "notes": "movida",
            }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["code"], "date_overlap");
    let after = admin.get(&format!("/admin/reservations/{code}")).await.body;
    assert_eq!(after, before);
}

#[tokio::test]
async fn moving_a_stay_onto_the_nights_of_a_lapsed_hold_succeeds() {
    // Arrange: a guest's hold lapses (not yet swept by the worker)
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let monday = next_monday(&app);
    let lapsed_check_in = monday + Duration::days(7);
    let hold = public_booking(&app, cabin.id, lapsed_check_in).await;
    let hold_code = hold.body["code"].as_str().expect("code").to_owned();
    app.clock.advance(Duration::minutes(31));
    let code = book(
        &admin,
        &with(
            admin_booking(cabin.id, monday, 2),
            json!({ "confirm": true }),
        ),
    )
    .await;

    // Act
    let reply = admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({
                "check_in": lapsed_check_in.to_string(),
                "check_out": (lapsed_check_in + Duration::days(2)).to_string(),
            }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["check_in"], lapsed_check_in.to_string());
    let lapsed = admin.get(&format!("/admin/reservations/{hold_code}")).await;
    assert_eq!(lapsed.body["status"], "expired");
}

#[tokio::test]
async fn editing_a_cancelled_reservation_answers_409_not_editable() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let code = book(&admin, &admin_booking(cabin.id, next_monday(&app), 2)).await;
    admin
        .post(
            &format!("/admin/reservations/{code}/cancel"),
            &json!({ "reason": "no viene" }),
        )
        .await;

    // Act
    let reply = admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({ "notes": "tarde" }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.body,
        json!({
            "code": "not_editable",
            "message": "a cancelled reservation cannot be edited",
            "trace_id": reply.request_id,
        })
    );
}

#[tokio::test]
async fn editing_an_unknown_reservation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .patch(
            "/admin/reservations/RES991231ZZZZZZ",
            &json!({ "notes": "x" }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["message"], "reservation not found");
}

#[tokio::test]
async fn each_reservation_change_writes_one_audit_entry_with_before_and_after() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;

    // Act
    let code = book(&admin, &admin_booking(cabin.id, next_monday(&app), 2)).await;
    admin
        .patch(
            &format!("/admin/reservations/{code}"),
            &json!({ "guests": 3 }),
        )
        .await;
    admin
        .post_empty(&format!("/admin/reservations/{code}/confirm"))
        .await;
    admin
        .post(
            &format!("/admin/reservations/{code}/cancel"),
            &json!({ "reason": "lluvia" }),
        )
        .await;

    // Assert
    let detail = admin.get(&format!("/admin/reservations/{code}")).await.body;
    let trail = detail["audit"].as_array().expect("audit");
    let steps: Vec<(&str, Value, Value)> = trail
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action"),
                e["before"]["status"].clone(),
                e["after"]["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("reservation.create", Value::Null, json!("pre_reserved")),
            (
                "reservation.update",
                json!("pre_reserved"),
                json!("pre_reserved")
            ),
            (
                "reservation.confirm",
                json!("pre_reserved"),
                json!("confirmed")
            ),
            ("reservation.cancel", json!("confirmed"), json!("cancelled")),
        ]
    );
    assert_eq!(trail[0]["before"], Value::Null);
    assert_eq!(trail[1]["before"]["guests"], 2);
    assert_eq!(trail[1]["after"]["guests"], 3);
    assert_eq!(trail[3]["before"]["cancellation_reason"], Value::Null);
    assert_eq!(trail[3]["after"]["cancellation_reason"], "lluvia");
}

#[tokio::test]
async fn the_expiry_sweep_audits_each_lapsed_hold_as_the_system() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let hold = public_booking(&app, cabin.id, next_monday(&app)).await;
    let code = hold.body["code"].as_str().expect("code").to_owned();
    app.clock.advance(Duration::minutes(31));

    // Act
    let expired = expiry::expire_lapsed_holds(app.conn(), app.clock.as_ref())
        .await
        .expect("sweep");

    // Assert
    assert_eq!(expired, 1);
    let detail = admin.get(&format!("/admin/reservations/{code}")).await.body;
    assert_eq!(detail["status"], "expired");
    let trail = detail["audit"].as_array().expect("audit");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0]["actor_kind"], "system");
    assert_eq!(trail[0]["actor"], "expire_pre_reservations");
    assert_eq!(trail[0]["action"], "reservation.expire");
    assert_eq!(trail[0]["trace_id"], Value::Null);
    assert_eq!(trail[0]["before"]["status"], "pre_reserved");
    assert_eq!(trail[0]["after"]["status"], "expired");
}

#[tokio::test]
async fn a_malformed_admin_booking_answers_400_with_the_uniform_error_body() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act: guest_name missing, guests a string
    let reply = admin
        .post(
            "/admin/reservations",
            &json!({ "accommodation_id": 1, "check_in": "2030-01-01", "check_out": "2030-01-03", "guests": "two" }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["code"], "bad_request");
    assert_eq!(reply.body["trace_id"], reply.request_id.as_str());
    assert_eq!(
        reply.body.as_object().expect("object").len(),
        3,
        "{}",
        reply.body
    );
}
