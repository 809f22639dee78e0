//! The owner's iCal feeds (`/admin/ical-feeds`) and calendar conflicts
//! (`/admin/ical-conflicts`): adding a feed, what is refused, removing one (its blocks
//! released and its conflicts closed in one go), and reading the conflicts.
//!
//! The sync itself is not part of these routes: blocks and conflicts a sync would write are
//! inserted directly through their entities.

use chrono::{Duration, NaiveDate};
use poem::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{
    clock::Clock,
    domain::{
        Channel, ConflictResolution, GuestName, Money, PaymentStatus, ReservationCode,
        ReservationStatus,
    },
    entities::{audit_log, ical_conflict, ical_feed, reservation},
};
use tests::harness::{TestApp, admin::AdminSession, fixtures, reply};
use uuid::Uuid;

const AIRBNB_URL: &str = "https://www.airbnb.com/calendar/ical/12345.ics?s=0123456789abcdef";

fn feed_body(accommodation_id: i32, source: &str, url: &str) -> Value {
    json!({ "accommodation_id": accommodation_id, "source": source, "url": url })
}

/// Adds a feed through the API, asserting 201; its id.
async fn add_feed(admin: &AdminSession<'_>, accommodation_id: i32, url: &str) -> i64 {
    let reply = admin
        .post(
            "/admin/ical-feeds",
            &feed_body(accommodation_id, "airbnb", url),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

/// `DELETE /api/v1{path}` with the admin's token.
async fn delete(admin: &AdminSession<'_>, path: &str) -> tests::harness::admin::Reply {
    admin
        .app
        .request(
            Method::DELETE,
            &format!("/api/v1{path}"),
            Some(&admin.token),
            None,
        )
        .await
}

/// A blocked stay as the sync (with `feed`) or the owner (without) stores it.
async fn insert_block(
    app: &TestApp,
    accommodation_id: i32,
    feed: Option<i64>,
    nights: (NaiveDate, NaiveDate),
) -> reservation::Model {
    let now = app.clock.now();
    reservation::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        code: Set(ReservationCode::generate(app.today())),
        accommodation_id: Set(accommodation_id),
        check_in: Set(nights.0),
        check_out: Set(nights.1),
        guest_name: Set(GuestName::parse("guest_name", "Airbnb block").expect("name")),
        guests: Set(1),
        nights: Set(i32::try_from((nights.1 - nights.0).num_days()).expect("nights")),
        price_per_night: Set(Money::ZERO),
        total_price: Set(Money::ZERO),
        deposit_percent: Set(0),
        deposit_amount: Set(Money::ZERO),
        paid_amount: Set(Money::ZERO),
        currency: Set("ARS".into()),
        status: Set(ReservationStatus::Blocked),
        payment_status: Set(PaymentStatus::Unpaid),
        channel: Set(Channel::Airbnb),
        ical_feed_id: Set(feed),
        external_uid: Set(feed.map(|f| format!("uid-{f}-{}@airbnb.com", nights.0))),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert block")
}

/// A conflict as the sync records it: `feed`'s event `uid` over `nights`, held by `holder`;
/// `detected_days_ago` orders them, `resolution` closes it.
async fn insert_conflict(
    app: &TestApp,
    feed: i64,
    holder: &reservation::Model,
    uid: &str,
    detected_days_ago: i64,
    resolution: Option<ConflictResolution>,
) -> ical_conflict::Model {
    let now = app.clock.now();
    let detected = now - Duration::days(detected_days_ago);
    ical_conflict::ActiveModel {
        ical_feed_id: Set(Some(feed)),
        accommodation_id: Set(holder.accommodation_id),
        external_uid: Set(uid.into()),
        check_in: Set(holder.check_in),
        check_out: Set(holder.check_out + Duration::days(1)),
        reservation_id: Set(holder.id),
        detected_at: Set(detected.into()),
        last_seen_at: Set(now.into()),
        resolved_at: Set(resolution.map(|_| now.into())),
        resolution: Set(resolution),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert conflict")
}

async fn busy(app: &TestApp, accommodation_id: i32) -> Value {
    let resp = reply(
        app.client
            .get(format!(
                "/api/v1/accommodations/{accommodation_id}/availability"
            ))
            .send()
            .await,
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["busy"].clone()
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(app.conn())
        .await
        .expect("query audit_log")
}

#[tokio::test]
async fn adding_a_feed_answers_201_and_lists_it_as_pending() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;

    // Act
    let created = admin
        .post(
            "/admin/ical-feeds",
            &feed_body(cabin.id, "Airbnb", AIRBNB_URL),
        )
        .await;

    // Assert
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    let mut expected = json!({
        "id": id,
        "accommodation_id": cabin.id,
        "source": "airbnb",
        "url": AIRBNB_URL,
        "consecutive_failures": 0,
        "event_count": 0,
        "status": "pending",
    });
    expected["created_at"] = created.body["created_at"].clone();
    assert_eq!(created.body, expected);
    let listed = admin.get("/admin/ical-feeds").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(
        listed.body,
        json!({ "items": [expected], "page": 1, "page_size": 20, "total": 1 })
    );
    let read = admin.get(&format!("/admin/ical-feeds/{id}")).await;
    assert_eq!(read.body, created.body);
    let other = admin
        .get(&format!(
            "/admin/ical-feeds?accommodation_id={}",
            cabin.id + 1
        ))
        .await;
    assert_eq!(other.body["total"], 0);
    let audit = audit_rows(&app, "ical_feed.create").await;
    assert_eq!(audit.len(), 1);
    let after = audit[0].after.clone().expect("after");
    assert_eq!(after["url_host"], "www.airbnb.com");
    assert!(
        !after.to_string().contains("0123456789abcdef"),
        "the audit trail keeps the URL's secret: {after}"
    );
}

#[tokio::test]
async fn a_feed_reads_ok_failing_or_stale_from_its_last_sync() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let admin = app.admin().await;
    let id = add_feed(&admin, cabin.id, AIRBNB_URL).await;
    let now = app.clock.now();
    let cases = [
        (Some(now - Duration::minutes(5)), 0, None, "ok"),
        (Some(now - Duration::minutes(45)), 0, None, "stale"),
        (
            Some(now - Duration::minutes(5)),
            2,
            Some("HTTP 503"),
            "failing",
        ),
    ];
    for (success, failures, error, expected) in cases {
        let row = ical_feed::Entity::find_by_id(id)
            .one(app.conn())
            .await
            .expect("read feed")
            .expect("feed");
        let mut row: ical_feed::ActiveModel = row.into();
        row.last_attempt_at = Set(Some(now.into()));
        row.last_success_at = Set(success.map(Into::into));
        row.consecutive_failures = Set(failures);
        row.last_error = Set(error.map(str::to_owned));
        row.update(app.conn()).await.expect("update feed");

        // Act
        let read = admin.get(&format!("/admin/ical-feeds/{id}")).await;

        // Assert
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert_eq!(read.body["status"], expected, "{}", read.body);
    }
}

#[tokio::test]
async fn a_bad_source_or_url_is_a_422_naming_the_field() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let admin = app.admin().await;
    let too_long = format!("https://example.com/{}", "a".repeat(2048));
    let cases = [
        ("expedia", AIRBNB_URL, "source", "invalid_source"),
        ("airbnb", "ftp://example.com/feed.ics", "url", "invalid_url"),
        ("airbnb", "not a url at all", "url", "invalid_url"),
        (
            "airbnb",
            "https://owner:secret@example.com/feed.ics",
            "url",
            "credentials_in_url",
        ),
        ("airbnb", too_long.as_str(), "url", "too_long"),
    ];
    for (source, url, field, code) in cases {
        let reply = admin
            .post("/admin/ical-feeds", &feed_body(cabin.id, source, url))
            .await;

        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{source} {url}: {}",
            reply.body
        );
        assert_eq!(reply.body["code"], "validation_error");
        assert_eq!(
            reply.body["details"],
            json!([{ "field": field, "code": code, "message": reply.body["details"][0]["message"] }]),
            "{source} {url}"
        );
    }
    let both = admin
        .post("/admin/ical-feeds", &feed_body(cabin.id, "x", "ftp://x"))
        .await;
    assert_eq!(
        both.body["details"].as_array().map(Vec::len),
        Some(2),
        "{}",
        both.body
    );
    assert_eq!(admin.get("/admin/ical-feeds").await.body["total"], 0);
}

#[tokio::test]
async fn a_feed_for_an_unknown_accommodation_is_a_404() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let reply = admin
        .post("/admin/ical-feeds", &feed_body(4242, "booking", AIRBNB_URL))
        .await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(reply.body["code"], "not_found");
}

#[tokio::test]
async fn the_same_url_twice_for_one_accommodation_is_a_409() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let other = fixtures::cabin("Otra").insert(app.conn()).await;
    let admin = app.admin().await;
    add_feed(&admin, cabin.id, AIRBNB_URL).await;

    // Act
    let again = admin
        .post(
            "/admin/ical-feeds",
            &feed_body(cabin.id, "vrbo", AIRBNB_URL),
        )
        .await;

    // Assert
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.body["code"], "duplicate");
    assert!(
        again.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("already imports")),
        "{}",
        again.body
    );
    add_feed(&admin, other.id, AIRBNB_URL).await;
}

#[tokio::test]
async fn removing_a_feed_frees_its_blocked_nights_and_closes_its_open_conflicts() {
    // Arrange: the feed's block, another feed's block, and a conflict of each
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let admin = app.admin().await;
    let feed = add_feed(&admin, cabin.id, AIRBNB_URL).await;
    let kept = add_feed(&admin, cabin.id, "https://admin.booking.com/ical/x.ics?t=1").await;
    let today = app.today();
    let ours = (today + Duration::days(10), today + Duration::days(13));
    let theirs = (today + Duration::days(20), today + Duration::days(22));
    let block = insert_block(&app, cabin.id, Some(feed), ours).await;
    let other_block = insert_block(&app, cabin.id, Some(kept), theirs).await;
    let conflict = insert_conflict(&app, feed, &other_block, "a@airbnb.com", 1, None).await;
    let other_conflict = insert_conflict(&app, kept, &block, "b@booking.com", 1, None).await;
    assert_eq!(busy(&app, cabin.id).await.as_array().map(Vec::len), Some(2));

    // Act
    let removed = delete(&admin, &format!("/admin/ical-feeds/{feed}")).await;

    // Assert
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert_eq!(
        busy(&app, cabin.id).await,
        json!([{
            "check_in": theirs.0.to_string(),
            "check_out": theirs.1.to_string(),
            "status": "booked",
        }])
    );
    let released = fixtures::reservation(app.conn(), block.code.as_str()).await;
    assert_eq!(released.status, ReservationStatus::Cancelled);
    assert_eq!(
        released.cancellation_reason.as_deref(),
        Some("feed removed")
    );
    assert!(released.cancelled_at.is_some());
    let conflicts = ical_conflict::Entity::find()
        .all(app.conn())
        .await
        .expect("conflicts");
    let closed = conflicts
        .iter()
        .find(|c| c.id == conflict.id)
        .expect("kept");
    assert_eq!(closed.resolution, Some(ConflictResolution::FeedDeleted));
    assert!(closed.resolved_at.is_some());
    let open = conflicts
        .iter()
        .find(|c| c.id == other_conflict.id)
        .expect("kept");
    assert_eq!(open.resolution, None);
    let feeds = admin.get("/admin/ical-feeds").await;
    assert_eq!(feeds.body["total"], 1);
    assert_eq!(feeds.body["items"][0]["id"], kept);
    let audit = audit_rows(&app, "ical_feed.delete").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].after,
        Some(json!({ "released_blocks": 1, "resolved_conflicts": 1 }))
    );
    let again = delete(&admin, &format!("/admin/ical-feeds/{feed}")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
}

#[tokio::test]
async fn the_conflict_list_shows_open_conflicts_with_their_holder_and_filters_by_state() {
    // Arrange: a double booking against a guest's stay (open), one against an owner block
    // (resolved), in two cabins
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let other = fixtures::cabin("Otra").insert(app.conn()).await;
    let admin = app.admin().await;
    let feed = add_feed(&admin, cabin.id, AIRBNB_URL).await;
    let today = app.today();
    let code = admin
        .book(&tests::harness::admin::booking_body(
            cabin.id,
            today + Duration::days(5),
            today + Duration::days(8),
            "Ana María Gómez",
            json!({ "confirm": true }),
        ))
        .await;
    let guest = fixtures::reservation(app.conn(), &code).await;
    let owner_block = insert_block(
        &app,
        cabin.id,
        None,
        (today + Duration::days(30), today + Duration::days(31)),
    )
    .await;
    let open = insert_conflict(&app, feed, &guest, "open@airbnb.com", 1, None).await;
    let resolved = insert_conflict(
        &app,
        feed,
        &owner_block,
        "gone@airbnb.com",
        3,
        Some(ConflictResolution::Gone),
    )
    .await;

    // Act
    let default = admin.get("/admin/ical-conflicts").await;
    let closed = admin.get("/admin/ical-conflicts?state=resolved").await;
    let all = admin.get("/admin/ical-conflicts?state=all").await;
    let elsewhere = admin
        .get(&format!(
            "/admin/ical-conflicts?state=all&accommodation_id={}",
            other.id
        ))
        .await;
    let bad = admin.get("/admin/ical-conflicts?state=closed").await;

    // Assert
    assert_eq!(default.status, StatusCode::OK, "{}", default.body);
    assert_eq!(default.body["total"], 1);
    let item = &default.body["items"][0];
    let mut expected = json!({
        "id": open.id,
        "feed_id": feed,
        "accommodation_id": cabin.id,
        "source": "airbnb",
        "external_uid": "open@airbnb.com",
        "check_in": guest.check_in.to_string(),
        "check_out": (guest.check_out + Duration::days(1)).to_string(),
        "holder": {
            "code": code,
            "status": "confirmed",
            "channel": guest.channel.as_str(),
            "check_in": guest.check_in.to_string(),
            "check_out": guest.check_out.to_string(),
            "kind": "reservation",
        },
    });
    expected["detected_at"] = item["detected_at"].clone();
    expected["last_seen_at"] = item["last_seen_at"].clone();
    assert_eq!(item, &expected);
    assert_eq!(closed.body["total"], 1);
    let closed_item = &closed.body["items"][0];
    assert_eq!(closed_item["id"], resolved.id);
    assert_eq!(closed_item["resolution"], "gone");
    assert!(closed_item["resolved_at"].is_string());
    assert_eq!(closed_item["holder"]["kind"], "block");
    assert_eq!(closed_item["holder"]["status"], "blocked");
    let ids: Vec<&Value> = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(
        ids,
        vec![&json!(open.id), &json!(resolved.id)],
        "newest first"
    );
    assert_eq!(elsewhere.body["total"], 0);
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["details"][0]["field"], "state");
}

#[tokio::test]
async fn staff_may_read_feeds_and_conflicts_but_not_add_or_remove_feeds() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let owner = app.admin().await;
    let feed = add_feed(&owner, cabin.id, AIRBNB_URL).await;
    let staff = app.staff().await;

    let listed = staff.get("/admin/ical-feeds").await;
    let conflicts = staff.get("/admin/ical-conflicts").await;
    let added = staff
        .post(
            "/admin/ical-feeds",
            &feed_body(cabin.id, "vrbo", "https://www.vrbo.com/ical/1.ics"),
        )
        .await;
    let removed = delete(&staff, &format!("/admin/ical-feeds/{feed}")).await;

    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(conflicts.status, StatusCode::OK, "{}", conflicts.body);
    assert_eq!(added.status, StatusCode::FORBIDDEN, "{}", added.body);
    assert_eq!(removed.status, StatusCode::FORBIDDEN, "{}", removed.body);
    assert_eq!(owner.get("/admin/ical-feeds").await.body["total"], 1);
}

#[tokio::test]
async fn feeds_and_conflicts_answer_401_without_a_token() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let body = feed_body(cabin.id, "airbnb", AIRBNB_URL);
    let requests = [
        (Method::GET, "/api/v1/admin/ical-feeds", None),
        (Method::POST, "/api/v1/admin/ical-feeds", Some(&body)),
        (Method::GET, "/api/v1/admin/ical-feeds/1", None),
        (Method::DELETE, "/api/v1/admin/ical-feeds/1", None),
        (Method::GET, "/api/v1/admin/ical-conflicts", None),
    ];
    for (method, path, body) in requests {
        let reply = app.request(method.clone(), path, None, body).await;

        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(reply.body["trace_id"].is_string(), "{method} {path}");
    }
}
