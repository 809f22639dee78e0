//! The owner's month calendar and the legacy availability endpoint.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};
use tests::harness::{
    TestApp,
    admin::{AdminSession, booking_body},
    fixtures,
};

/// The first day of the month after `today`'s.
fn first_of_next_month(today: NaiveDate) -> NaiveDate {
    let (year, month) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("a date")
}

async fn admin_book(
    admin: &AdminSession<'_>,
    accommodation_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
    guest_name: &str,
    extra: Value,
) -> String {
    let body = booking_body(accommodation_id, check_in, check_out, guest_name, extra);
    admin.book(&body).await
}

async fn guest_hold(app: &TestApp, accommodation_id: i32, check_in: NaiveDate) -> String {
    let reply = app
        .request(
            Method::POST,
            "/api/v1/reservations",
            None,
            Some(&fixtures::booking(
                accommodation_id,
                check_in,
                check_in + Duration::days(2),
            )),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["code"].as_str().expect("code").to_owned()
}

fn nightly_price(date: NaiveDate) -> &'static str {
    // The fixture cabin: 50000.00, Friday and Saturday nights × 1.20.
    if matches!(date.weekday(), Weekday::Fri | Weekday::Sat) {
        "60000.00"
    } else {
        "50000.00"
    }
}

#[tokio::test]
async fn the_month_calendar_shows_every_night_free_held_booked_or_blocked() {
    // Arrange: next month, so every night can still be booked
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let first = first_of_next_month(app.today());
    let next = first_of_next_month(first);
    let held = guest_hold(&app, cabin.id, first + Duration::days(2)).await;
    let booked = admin_book(
        &admin,
        cabin.id,
        first + Duration::days(9),
        first + Duration::days(11),
        "Ana María Gómez",
        json!({ "confirm": true }),
    )
    .await;
    let blocked = admin_book(
        &admin,
        cabin.id,
        first + Duration::days(14),
        first + Duration::days(15),
        "Airbnb Guest",
        json!({ "channel": "airbnb", "confirm": true }),
    )
    .await;
    let cancelled = admin_book(
        &admin,
        cabin.id,
        first + Duration::days(20),
        first + Duration::days(22),
        "Pedro Ruiz",
        json!({}),
    )
    .await;
    admin
        .post(
            &format!("/admin/reservations/{cancelled}/cancel"),
            &json!({ "reason": "cambio de planes" }),
        )
        .await;
    // Straddles the month start: only its second night is in the month.
    let straddling = admin_book(
        &admin,
        cabin.id,
        first - Duration::days(1),
        first + Duration::days(1),
        "Lucía",
        json!({ "confirm": true }),
    )
    .await;
    let month = first.format("%Y-%m").to_string();

    // Act
    let reply = admin
        .get(&format!(
            "/admin/calendar?accommodation_id={}&month={month}",
            cabin.id
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["accommodation_id"], cabin.id);
    assert_eq!(reply.body["accommodation_name"], "Cabaña Alerce");
    assert_eq!(reply.body["month"], month.as_str());
    assert_eq!(reply.body["currency"], "ARS");
    let reservation = |code: &str, guest: &str, status: &str, source: &str| json!({ "code": code, "guest": guest, "status": status, "source": source });
    let expected: Vec<Value> = first
        .iter_days()
        .take_while(|d| *d < next)
        .map(|date| {
            let offset = (date - first).num_days();
            let (state, taken) = match offset {
                0 => (
                    "booked",
                    Some(reservation(&straddling, "Lucía", "confirmed", "admin")),
                ),
                2 | 3 => (
                    "held",
                    Some(reservation(&held, "Martín", "pre_reserved", "web")),
                ),
                9 | 10 => (
                    "booked",
                    Some(reservation(&booked, "Ana", "confirmed", "admin")),
                ),
                14 => (
                    "blocked",
                    Some(reservation(&blocked, "Airbnb", "confirmed", "airbnb")),
                ),
                _ => ("free", None),
            };
            let mut day = json!({
                "date": date.to_string(),
                "state": state,
                "price": nightly_price(date),
            });
            if let Some(taken) = taken {
                day["reservation"] = taken;
            }
            day
        })
        .collect();
    let days = reply.body["days"].as_array().expect("days");
    assert_eq!(
        i64::try_from(days.len()).expect("len"),
        (next - first).num_days()
    );
    // Free nights may carry `reservation: null` or omit it; compare without nulls.
    let days: Vec<Value> = days
        .iter()
        .map(|d| {
            let mut d = d.clone();
            if d["reservation"].is_null() {
                d.as_object_mut().expect("object").remove("reservation");
            }
            d
        })
        .collect();
    assert_eq!(days, expected);
}

#[tokio::test]
async fn weekend_nights_are_priced_at_base_times_the_multiplier() {
    // Arrange: 40000.00 a night, Saturday and Sunday nights × 1.5
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Pehuén")
        .base_price("40000.00")
        .weekend_multiplier("1.5")
        .weekend_nights(vec!["saturday", "sunday"])
        .insert(app.conn())
        .await;
    let admin = app.admin().await;
    let first = first_of_next_month(app.today());

    // Act
    let reply = admin
        .get(&format!(
            "/admin/calendar?accommodation_id={}&month={}",
            cabin.id,
            first.format("%Y-%m")
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK);
    for day in reply.body["days"].as_array().expect("days") {
        let date: NaiveDate = day["date"].as_str().expect("date").parse().expect("date");
        let expected = match date.weekday() {
            Weekday::Sat | Weekday::Sun => "60000.00",
            _ => "40000.00",
        };
        assert_eq!(day["price"], expected, "{date}");
    }
}

#[tokio::test]
async fn a_lapsed_hold_shows_as_free() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let first = first_of_next_month(app.today());
    guest_hold(&app, cabin.id, first + Duration::days(4)).await;
    app.clock.advance(Duration::minutes(31));

    // Act
    let reply = admin
        .get(&format!(
            "/admin/calendar?accommodation_id={}&month={}",
            cabin.id,
            first.format("%Y-%m")
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK);
    let states: Vec<&str> = reply.body["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["state"].as_str().expect("state"))
        .collect();
    assert!(states.iter().all(|s| *s == "free"), "{states:?}");
}

#[tokio::test]
async fn without_a_month_the_calendar_shows_the_current_one() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let today = app.today();

    // Act
    let reply = admin
        .get(&format!("/admin/calendar?accommodation_id={}", cabin.id))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["month"], today.format("%Y-%m").to_string());
    let first = today.with_day(1).expect("first");
    assert_eq!(reply.body["days"][0]["date"], first.to_string());
}

#[tokio::test]
async fn an_invalid_month_answers_422() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .get(&format!(
            "/admin/calendar?accommodation_id={}&month=2026-13",
            cabin.id
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["details"],
        json!([{ "field": "month", "code": "invalid_month", "message": "month must be YYYY-MM" }])
    );
}

#[tokio::test]
async fn the_calendar_of_an_unknown_accommodation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .get("/admin/calendar?accommodation_id=999999&month=2027-01")
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["message"], "accommodation not found");
}

#[tokio::test]
async fn the_calendar_requires_an_admin_token() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;

    // Act
    let reply = app
        .request(
            Method::GET,
            &format!("/api/v1/admin/calendar?accommodation_id={}", cabin.id),
            None,
            None,
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_legacy_availability_lists_each_night_and_the_unavailable_dates() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let start = app.today() + Duration::days(10);
    let end = start + Duration::days(7);
    guest_hold(&app, cabin.id, start + Duration::days(1)).await;
    admin_book(
        &admin,
        cabin.id,
        start + Duration::days(5),
        start + Duration::days(6),
        "Ana Gómez",
        json!({ "confirm": true }),
    )
    .await;

    // Act
    let reply = admin
        .get(&format!(
            "/admin/calendar/availability?accommodation_id={}&start_date={start}&end_date={end}",
            cabin.id
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let unavailable = [1, 2, 5].map(|d| start + Duration::days(d));
    let days: Vec<Value> = (0..7)
        .map(|d| {
            let date = start + Duration::days(d);
            json!({ "date": date.to_string(), "available": !unavailable.contains(&date) })
        })
        .collect();
    assert_eq!(
        reply.body,
        json!({
            "accommodation_id": cabin.id,
            "start_date": start.to_string(),
            "end_date": end.to_string(),
            "days": days,
            "unavailable_dates": unavailable.map(|d| d.to_string()),
        })
    );
}

#[tokio::test]
async fn the_legacy_availability_refuses_an_end_not_after_the_start() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;
    let start = app.today() + Duration::days(3);

    // Act
    let reply = admin
        .get(&format!(
            "/admin/calendar/availability?accommodation_id={}&start_date={start}&end_date={start}",
            cabin.id
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["details"][0]["code"], "not_after_from");
}

#[tokio::test]
async fn the_legacy_availability_of_an_unknown_accommodation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .get("/admin/calendar/availability?accommodation_id=999999")
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["code"], "not_found");
}
