//! Hold hoarding: a guest phone and a client IP can hold only so many nights unpaid.

use chrono::Duration;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use shared::{
    clock::Clock,
    domain::{ReservationCode, ReservationStatus},
    entities::reservation,
    service::{HoldPolicy, booking},
    store,
};
use tests::harness::{TestApp, fixtures};

use crate::http_helpers::{header_u64, json as body_json, status};

/// An app with the production hold limits (2 per phone, 5 per IP), IPs from X-Forwarded-For.
async fn app() -> TestApp {
    let defaults = shared::config::Settings::default();
    TestApp::with_settings(|s| {
        s.trust_proxy_headers = true;
        s.hold_limit_per_phone = defaults.hold_limit_per_phone;
        s.hold_limit_per_ip = defaults.hold_limit_per_ip;
    })
    .await
}

/// A booking of 2 nights, `week` weeks after a date 10 days from today, for `phone`.
fn stay(app: &TestApp, cabin: i32, week: i64, phone: &str) -> Value {
    let check_in = app.today() + Duration::days(10 + 7 * week);
    let mut body = fixtures::booking(cabin, check_in, check_in + Duration::days(2));
    body["guest_phone"] = json!(phone);
    body
}

async fn book(app: &TestApp, body: &Value, ip: &str) -> poem::test::TestResponse {
    app.client
        .post("/api/v1/reservations")
        .header("x-forwarded-for", ip)
        .body_json(body)
        .send()
        .await
}

const PHONE: &str = "+5491112345678";

#[tokio::test]
async fn a_third_active_hold_from_one_phone_is_refused() {
    // Arrange: two holds from one phone, from different networks.
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Uno").insert(app.conn()).await;
    for week in 0..2 {
        let resp = book(
            &app,
            &stay(&app, cabin.id, week, PHONE),
            &format!("203.0.113.{week}"),
        )
        .await;
        assert_eq!(status(&resp), 201);
    }

    // Act
    let refused = book(&app, &stay(&app, cabin.id, 2, PHONE), "203.0.113.9").await;

    // Assert: 429 too_many_holds naming the phone limit, retry when the first hold lapses.
    assert_eq!(status(&refused), 429);
    let retry_after = header_u64(&refused, "retry-after").expect("Retry-After");
    assert!((1..=30 * 60).contains(&retry_after), "{retry_after}");
    let body = body_json(refused).await;
    assert_eq!(body["code"], "too_many_holds");
    assert_eq!(body["details"][0]["field"], "guest_phone");
    assert_eq!(body["details"][0]["code"], "hold_limit_per_phone");
    assert!(body["trace_id"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn a_sixth_active_hold_from_one_ip_is_refused_and_the_ip_is_stored() {
    // Arrange: five holds from one IP with five different phones.
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Dos").insert(app.conn()).await;
    let ip = "198.51.100.77";
    for week in 0..5 {
        let phone = format!("+54911123456{week:02}");
        let resp = book(&app, &stay(&app, cabin.id, week, &phone), ip).await;
        assert_eq!(status(&resp), 201);
    }

    // Act
    let refused = book(&app, &stay(&app, cabin.id, 5, "+5491199999999"), ip).await;

    // Assert
    assert_eq!(status(&refused), 429);
    let body = body_json(refused).await;
    assert_eq!(body["code"], "too_many_holds");
    assert_eq!(body["details"][0]["field"], "client_ip");
    assert_eq!(body["details"][0]["code"], "hold_limit_per_ip");
    let rows = reservation::Entity::find()
        .all(app.conn())
        .await
        .expect("rows");
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|r| r.client_ip.as_deref().is_some_and(|v| v.starts_with(ip)))
    );
}

#[tokio::test]
async fn ipv6_clients_in_one_64_share_the_per_ip_limit() {
    // Arrange: five holds, each from a different address of one /64.
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Seis").insert(app.conn()).await;
    for week in 0..5 {
        let phone = format!("+54911123456{week:02}");
        let ip = format!("2001:db8:aa:bb::{week:x}");
        let resp = book(&app, &stay(&app, cabin.id, week, &phone), &ip).await;
        assert_eq!(status(&resp), 201);
    }

    // Act: a sixth address of the same /64, and one of the next /64.
    let refused = book(
        &app,
        &stay(&app, cabin.id, 5, "+5491199999999"),
        "2001:db8:aa:bb:ffff:1:2:3",
    )
    .await;
    let other_network = book(
        &app,
        &stay(&app, cabin.id, 6, "+5491199999998"),
        "2001:db8:aa:bc::1",
    )
    .await;

    // Assert
    assert_eq!(status(&refused), 429);
    let body = body_json(refused).await;
    assert_eq!(body["details"][0]["code"], "hold_limit_per_ip");
    assert_eq!(status(&other_network), 201);
}

#[tokio::test]
async fn holds_no_longer_count_once_they_lapse() {
    // Arrange: the phone's two slots are used.
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Tres").insert(app.conn()).await;
    for week in 0..2 {
        assert_eq!(
            status(&book(&app, &stay(&app, cabin.id, week, PHONE), "203.0.113.1").await),
            201
        );
    }
    assert_eq!(
        status(&book(&app, &stay(&app, cabin.id, 2, PHONE), "203.0.113.1").await),
        429
    );

    // Act: the 30-minute holds lapse (no expiry job has run).
    app.clock.advance(Duration::minutes(31));
    let again = book(&app, &stay(&app, cabin.id, 2, PHONE), "203.0.113.1").await;

    // Assert
    assert_eq!(status(&again), 201);
}

#[tokio::test]
async fn confirmed_reservations_are_not_holds() {
    // Arrange: two holds, one of them confirmed (deposit paid).
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Cuatro").insert(app.conn()).await;
    let mut codes = Vec::new();
    for week in 0..2 {
        let resp = book(&app, &stay(&app, cabin.id, week, PHONE), "203.0.113.1").await;
        assert_eq!(status(&resp), 201);
        codes.push(
            body_json(resp).await["code"]
                .as_str()
                .expect("code")
                .to_string(),
        );
    }
    let code = ReservationCode::parse(&codes[0]).expect("code");
    store::reservations::transition(
        app.conn(),
        &code,
        ReservationStatus::Confirmed,
        app.clock.now(),
        None,
    )
    .await
    .expect("confirm")
    .expect("was a hold");

    // Act
    let third = book(&app, &stay(&app, cabin.id, 2, PHONE), "203.0.113.1").await;
    let fourth = book(&app, &stay(&app, cabin.id, 3, PHONE), "203.0.113.1").await;

    // Assert: one slot freed, not more.
    assert_eq!(status(&third), 201);
    assert_eq!(status(&fourth), 429);
}

#[tokio::test]
async fn the_legacy_path_enforces_the_limit_with_its_own_field_names() {
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Cinco").insert(app.conn()).await;
    let legacy = |week: i64| {
        let check_in = app.today() + Duration::days(10 + 7 * week);
        json!({
            "accommodation_id": cabin.id,
            "check_in": check_in.to_string(),
            "check_out": (check_in + Duration::days(2)).to_string(),
            "guests": 2,
            "contact_name": "Ana Gómez",
            "contact_phone": PHONE,
        })
    };
    for week in 0..3 {
        let resp = app
            .client
            .post("/api/v1/reservations/pre-reserve")
            .header("x-forwarded-for", "203.0.113.5")
            .body_json(&legacy(week))
            .send()
            .await;
        if week < 2 {
            assert_eq!(status(&resp), 201);
        } else {
            assert_eq!(status(&resp), 429);
            assert_eq!(
                body_json(resp).await["details"][0]["field"],
                "contact_phone"
            );
        }
    }
}

#[tokio::test]
async fn ten_parallel_holds_from_one_phone_with_two_slots_give_exactly_two() {
    // Arrange: ten different stays (no date conflicts), ten different IPs, one phone.
    let app = app().await;
    let cabin = fixtures::cabin("Cabaña Paralela").insert(app.conn()).await;
    let bodies: Vec<Value> = (0..10)
        .map(|week| stay(&app, cabin.id, week, PHONE))
        .collect();
    let ips: Vec<String> = (0..10).map(|n| format!("203.0.113.{n}")).collect();

    // Act: all at once.
    let responses = futures::future::join_all(
        bodies
            .iter()
            .zip(&ips)
            .map(|(body, ip)| book(&app, body, ip)),
    )
    .await;

    // Assert
    let statuses: Vec<u16> = responses.iter().map(status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        8,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn staff_bookings_are_exempt_from_hold_limits() {
    // Arrange
    let app = app().await;
    assert_eq!(app.state.rules.hold_limits.per_phone, 2);
    let cabin = fixtures::cabin("Cabaña Admin").insert(app.conn()).await;

    // Act: three holds for one phone through the service with the staff policy.
    for week in 0..3 {
        let check_in = app.today() + Duration::days(10 + 7 * week);
        let request = booking::BookingRequest {
            stay: shared::service::quote::QuoteRequest {
                accommodation_id: cabin.id,
                check_in: check_in.to_string(),
                check_out: (check_in + Duration::days(2)).to_string(),
                guests: 2,
            },
            guest_name: "Ana Gómez".into(),
            guest_phone: PHONE.into(),
            guest_email: None,
            channel: shared::domain::Channel::Phone,
            notes: None,
            rejected: Vec::new(),
        };
        let row = booking::pre_reserve(app.conn(), &app.state.rules, &request, HoldPolicy::Exempt)
            .await
            .expect("staff hold");

        // Assert
        assert_eq!(row.client_ip, None);
    }
}
