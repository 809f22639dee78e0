//! Nights the owner closes: `POST /admin/accommodations/{id}/blocks` and how a block shows
//! to guests and in the admin calendar; the helpers the other block tests share (listing and
//! releasing: `admin_blocks_release`).

use chrono::{Duration, NaiveDate, Utc};
use poem::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};
use shared::{
    domain::{
        Channel, FeedSource, GuestName, Money, PaymentStatus, ReservationCode, ReservationStatus,
    },
    entities::{ical_feed, reservation},
};
use tests::harness::{
    TestApp,
    admin::{AdminSession, Reply},
    fixtures,
};
use uuid::Uuid;

/// The block collection of a cabin, under `/api/v1`.
pub(crate) fn blocks_path(cabin_id: i32) -> String {
    format!("/admin/accommodations/{cabin_id}/blocks")
}

/// A block request body.
pub(crate) fn block_body(check_in: NaiveDate, check_out: NaiveDate, reason: &str) -> Value {
    json!({
        "check_in": check_in.to_string(),
        "check_out": check_out.to_string(),
        "reason": reason,
    })
}

/// Closes `[check_in, check_out)` as the owner, asserting 201; the block view.
pub(crate) async fn close(
    admin: &AdminSession<'_>,
    cabin_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> Value {
    let reply = admin
        .post(
            &blocks_path(cabin_id),
            &block_body(check_in, check_out, "painting the deck"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

/// `DELETE /api/v1{path}` with `token` (none: anonymous).
pub(crate) async fn delete(app: &TestApp, path: &str, token: Option<&str>) -> Reply {
    app.request(Method::DELETE, &format!("/api/v1{path}"), token, None)
        .await
}

/// A guest's booking through the public API.
pub(crate) async fn guest_books(
    app: &TestApp,
    cabin_id: i32,
    check_in: NaiveDate,
    nights: i64,
) -> Reply {
    app.request(
        Method::POST,
        "/api/v1/reservations",
        None,
        Some(&fixtures::booking(
            cabin_id,
            check_in,
            check_in + Duration::days(nights),
        )),
    )
    .await
}

/// A block imported from an Airbnb feed, stored as the import stores it (the import itself is
/// another feature); its uuid.
pub(crate) async fn imported_block(
    app: &TestApp,
    cabin_id: i32,
    check_in: NaiveDate,
    nights: i64,
) -> Uuid {
    let now = Utc::now();
    let feed = ical_feed::ActiveModel {
        accommodation_id: Set(cabin_id),
        source: Set(FeedSource::Airbnb),
        url: Set("https://www.airbnb.com/calendar/ical/1.ics?s=secret".into()),
        consecutive_failures: Set(0),
        event_count: Set(1),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert feed");
    let uuid = Uuid::now_v7();
    reservation::ActiveModel {
        uuid: Set(uuid),
        code: Set(ReservationCode::generate(app.today())),
        accommodation_id: Set(cabin_id),
        check_in: Set(check_in),
        check_out: Set(check_in + Duration::days(nights)),
        guest_name: Set(GuestName::parse("guest_name", "Airbnb block").expect("label")),
        guests: Set(1),
        nights: Set(i32::try_from(nights).expect("nights")),
        price_per_night: Set(Money::ZERO),
        total_price: Set(Money::ZERO),
        deposit_percent: Set(0),
        deposit_amount: Set(Money::ZERO),
        paid_amount: Set(Money::ZERO),
        currency: Set("ARS".into()),
        status: Set(ReservationStatus::Blocked),
        payment_status: Set(PaymentStatus::Unpaid),
        channel: Set(Channel::Airbnb),
        ical_feed_id: Set(Some(feed.id)),
        external_uid: Set(Some("abc123@airbnb.com".into())),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert imported block");
    uuid
}

/// `SELECT count(*) ...` on the test database.
pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    fixtures::scalar(app.conn(), sql).await
}

#[tokio::test]
async fn closed_nights_are_busy_for_guests_and_blocked_in_the_admin_calendar() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = app.today() + Duration::days(10);
    let check_out = check_in + Duration::days(3);

    // Act
    let block = close(&admin, cabin.id, check_in, check_out).await;

    // Assert: the view
    let id = block["id"].as_str().expect("id").to_owned();
    assert!(Uuid::parse_str(&id).is_ok(), "{block}");
    assert_eq!(block["accommodation_id"], cabin.id);
    assert_eq!(block["check_in"], check_in.to_string());
    assert_eq!(block["check_out"], check_out.to_string());
    assert_eq!(block["nights"], 3);
    assert_eq!(block["reason"], "painting the deck");
    assert_eq!(block["source"], "owner");
    assert!(block["created_at"].is_string(), "{block}");
    // The row: a blocked stay of the owner's, without guest or price, audited.
    let rows = fixtures::reservations(app.conn()).await;
    let [row] = rows.as_slice() else {
        panic!("one row expected, got {rows:?}")
    };
    assert_eq!(row.uuid.to_string(), id);
    assert_eq!(row.status, ReservationStatus::Blocked);
    assert_eq!(row.channel, Channel::Admin);
    assert_eq!(row.guest_name.as_str(), "Owner block");
    assert_eq!((row.guests, row.deposit_percent), (1, 0));
    assert_eq!(
        (row.total_price, row.deposit_amount),
        (Money::ZERO, Money::ZERO)
    );
    assert_eq!(
        (row.ical_feed_id, row.external_uid.as_deref()),
        (None, None)
    );
    assert_eq!(row.notes.as_deref(), Some("painting the deck"));
    let audited = format!(
        "SELECT count(*) FROM audit_log WHERE action = 'block.create' AND reservation_id = {}",
        row.id
    );
    assert_eq!(count(&app, &audited).await, 1);
    // Guests see the nights as booked and cannot take them.
    let availability = app
        .request(
            Method::GET,
            &format!("/api/v1/accommodations/{}/availability", cabin.id),
            None,
            None,
        )
        .await;
    assert_eq!(
        availability.body["busy"],
        json!([{
            "check_in": check_in.to_string(),
            "check_out": check_out.to_string(),
            "status": "booked",
        }])
    );
    let refused = guest_books(&app, cabin.id, check_out - Duration::days(1), 2).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(refused.body["code"], "date_overlap");
    // The owner's calendar shows them blocked.
    let calendar = admin
        .get(&format!(
            "/admin/calendar?accommodation_id={}&month={}",
            cabin.id,
            check_in.format("%Y-%m")
        ))
        .await;
    let state_of = |date: NaiveDate| {
        calendar.body["days"]
            .as_array()
            .expect("days")
            .iter()
            .find(|d| d["date"] == date.to_string())
            .map(|d| d["state"].clone())
    };
    assert_eq!(state_of(check_in), Some(json!("blocked")));
    assert_ne!(state_of(check_out), Some(json!("blocked")));
}

#[tokio::test]
async fn a_block_over_a_guests_reservation_is_refused_and_nothing_is_stored() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Maitén").insert(app.conn()).await;
    let admin = app.admin().await;
    let guest_in = app.today() + Duration::days(5);
    let booked = guest_books(&app, cabin.id, guest_in, 2).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);

    // Act
    let reply = admin
        .post(
            &blocks_path(cabin.id),
            &block_body(
                guest_in + Duration::days(1),
                guest_in + Duration::days(4),
                "",
            ),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["code"], "date_overlap");
    assert!(reply.body["trace_id"].is_string(), "{}", reply.body);
    let blocked = "SELECT count(*) FROM reservations WHERE status = 'blocked'";
    assert_eq!(count(&app, blocked).await, 0);
    let audited = "SELECT count(*) FROM audit_log WHERE action = 'block.create'";
    assert_eq!(count(&app, audited).await, 0);
}

#[tokio::test]
async fn a_block_over_another_block_is_refused() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Ñire").insert(app.conn()).await;
    let admin = app.admin().await;
    let day = |n| app.today() + Duration::days(n);
    close(&admin, cabin.id, day(3), day(6)).await;

    let reply = admin
        .post(&blocks_path(cabin.id), &block_body(day(5), day(8), "again"))
        .await;

    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["code"], "date_overlap");
}

#[tokio::test]
async fn bad_dates_and_reasons_are_422_with_every_field_named() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Pehuén").insert(app.conn()).await;
    let admin = app.admin().await;
    let today = app.today();
    let cases = [
        (
            json!({ "check_in": (today - Duration::days(1)).to_string(),
                    "check_out": (today + Duration::days(1)).to_string() }),
            vec![("check_in", "in_the_past")],
        ),
        (
            json!({ "check_in": (today + Duration::days(3)).to_string(),
                    "check_out": (today + Duration::days(3)).to_string() }),
            vec![("check_out", "not_after_check_in")],
        ),
        (
            json!({ "check_in": "2027-02-30", "check_out": "someday",
                    "reason": "x".repeat(201) }),
            vec![
                ("check_in", "invalid_date"),
                ("check_out", "invalid_date"),
                ("reason", "too_long"),
            ],
        ),
        (
            json!({ "check_in": today.to_string(),
                    "check_out": (today + Duration::days(367)).to_string() }),
            vec![("check_out", "too_long")],
        ),
    ];
    for (body, expected) in cases {
        let reply = admin.post(&blocks_path(cabin.id), &body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.body["code"], "validation_error");
        let mut got: Vec<(String, String)> = reply.body["details"]
            .as_array()
            .expect("details")
            .iter()
            .map(|d| {
                (
                    d["field"].as_str().unwrap_or_default().to_owned(),
                    d["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        got.sort();
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(got, expected, "{body}");
    }
    // A year of nights is fine.
    close(&admin, cabin.id, today, today + Duration::days(366)).await;
}

#[tokio::test]
async fn unknown_or_inactive_accommodations_are_404() {
    let app = TestApp::new().await;
    let inactive = fixtures::cabin("Cabaña Cerrada")
        .inactive()
        .insert(app.conn())
        .await;
    let admin = app.admin().await;
    let check_in = app.today() + Duration::days(2);
    let body = block_body(check_in, check_in + Duration::days(1), "");

    for cabin_id in [inactive.id, inactive.id + 1000] {
        let reply = admin.post(&blocks_path(cabin_id), &body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{cabin_id}: {}",
            reply.body
        );
        assert_eq!(reply.body["code"], "not_found");
    }
    let listed = admin.get(&blocks_path(inactive.id + 1000)).await;
    assert_eq!(listed.status, StatusCode::NOT_FOUND, "{}", listed.body);
}

#[tokio::test]
async fn every_block_route_wants_a_token() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Anónima").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(2);
    let body = block_body(check_in, check_in + Duration::days(1), "");
    let path = format!("/api/v1{}", blocks_path(cabin.id));

    let created = app.request(Method::POST, &path, None, Some(&body)).await;
    let listed = app.request(Method::GET, &path, None, None).await;
    let released = delete(
        &app,
        &format!("{}/{}", blocks_path(cabin.id), Uuid::now_v7()),
        None,
    )
    .await;

    for reply in [created, listed, released] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        assert_eq!(reply.body["code"], "unauthorized");
    }
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 0);
}

#[tokio::test]
async fn a_retried_block_with_the_same_idempotency_key_is_stored_once() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Reintento").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = app.today() + Duration::days(3);
    let body = block_body(check_in, check_in + Duration::days(2), "roof");
    let send = || async {
        let resp = app
            .client
            .post(format!("/api/v1{}", blocks_path(cabin.id)))
            .header("authorization", format!("Bearer {}", admin.token))
            .header("Idempotency-Key", "close-the-roof-week")
            .body_json(&body)
            .send()
            .await;
        let replayed = resp.0.headers().contains_key("idempotency-replayed");
        (Reply::read(resp).await, replayed)
    };

    let (first, first_replayed) = send().await;
    let (second, second_replayed) = send().await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!((first_replayed, second_replayed), (false, true));
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.body["id"], first.body["id"]);
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 1);
}
