//! The owner's dashboard figures, against seeded reservations at a fixed point of a month.
//!
//! The clock travels to the 10th of the next 30-day month, so occupancy percentages are exact
//! and every stay used below fits in the month whatever day the tests run.

use chrono::{Datelike, Duration, NaiveDate};
use poem::http::{Method, StatusCode};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use shared::entities::reservation;
use tests::harness::{TestApp, admin::AdminSession, fixtures};

/// The 10th of the first 30-day month after `today`'s month.
fn tenth_of_a_30_day_month_after(today: NaiveDate) -> NaiveDate {
    let mut first = today.with_day(1).expect("first");
    loop {
        first = first
            .checked_add_months(chrono::Months::new(1))
            .expect("next month");
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .expect("month after");
        if (next - first).num_days() == 30 {
            return first.with_day(10).expect("the 10th");
        }
    }
}

async fn admin_book(
    admin: &AdminSession<'_>,
    accommodation_id: i32,
    check_in: NaiveDate,
    nights: i64,
    extra: Value,
) -> String {
    let mut body = json!({
        "accommodation_id": accommodation_id,
        "check_in": check_in.to_string(),
        "check_out": (check_in + Duration::days(nights)).to_string(),
        "guests": 2,
        "guest_name": "Ana Gómez",
    });
    for (key, value) in extra.as_object().expect("object") {
        body[key] = value.clone();
    }
    let reply = admin.post("/admin/reservations", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["code"].as_str().expect("code").to_owned()
}

async fn guest_booking(
    app: &TestApp,
    accommodation_id: i32,
    check_in: NaiveDate,
) -> (StatusCode, Value) {
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
    (reply.status, reply.body)
}

async fn record_payment(app: &TestApp, code: &str, amount: &str) {
    reservation::Entity::update_many()
        .col_expr(
            reservation::Column::PaidAmount,
            Expr::value(amount.parse::<Decimal>().expect("amount")),
        )
        .filter(reservation::Column::Code.eq(code))
        .exec(app.conn())
        .await
        .expect("record payment");
}

fn movement(
    code: &str,
    guest: &str,
    cabin: &str,
    status: &str,
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> Value {
    json!({
        "code": code,
        "guest_name": guest,
        "accommodation_name": cabin,
        "status": status,
        "check_in": check_in.to_string(),
        "check_out": check_out.to_string(),
    })
}

#[tokio::test]
async fn the_dashboard_sums_up_reservations_revenue_occupancy_movements_and_overlaps() {
    // Arrange
    let app = TestApp::new().await;
    let alerce = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let coihue = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let nire = fixtures::cabin("Cabaña Ñire").insert(app.conn()).await;
    fixtures::cabin("Cabaña Cerrada")
        .inactive()
        .insert(app.conn())
        .await;
    let today = tenth_of_a_30_day_month_after(app.today());
    let tomorrow = today + Duration::days(1);
    let next_month = today
        .checked_add_months(chrono::Months::new(1))
        .expect("next month");

    // Two days earlier: stays that leave today and tomorrow.
    app.travel_to(today - Duration::days(2));
    let early = app.admin().await;
    let leaves_today = admin_book(
        &early,
        coihue.id,
        today - Duration::days(2),
        2,
        json!({ "confirm": true, "total_price": "100000.00" }),
    )
    .await;
    let leaves_tomorrow = admin_book(
        &early,
        nire.id,
        today - Duration::days(1),
        2,
        json!({ "confirm": true, "total_price": "90000.00" }),
    )
    .await;

    // Today: a hold that lapses, then the rest.
    app.travel_to(today);
    let admin = app.admin().await;
    let (status, _) = guest_booking(&app, alerce.id, today + Duration::days(20)).await;
    assert_eq!(status, StatusCode::CREATED);
    app.clock.advance(Duration::minutes(31));
    let arrives_today = admin_book(
        &admin,
        alerce.id,
        today,
        3,
        json!({ "confirm": true, "total_price": "150000.00" }),
    )
    .await;
    let (status, hold) = guest_booking(&app, coihue.id, tomorrow).await;
    assert_eq!(status, StatusCode::CREATED);
    let arrives_tomorrow = hold["code"].as_str().expect("code").to_owned();
    let cancelled = admin_book(&admin, alerce.id, today + Duration::days(5), 2, json!({})).await;
    admin
        .post(
            &format!("/admin/reservations/{cancelled}/cancel"),
            &json!({ "reason": "no viene" }),
        )
        .await;
    let later = admin_book(
        &admin,
        alerce.id,
        next_month - Duration::days(5),
        2,
        json!({ "confirm": true, "total_price": "80000.00" }),
    )
    .await;
    record_payment(&app, &arrives_today, "45000.00").await;
    record_payment(&app, &later, "20000.00").await;

    // Three double bookings refused: a guest's, an admin booking's and an admin date change's.
    let (status, _) = guest_booking(&app, alerce.id, tomorrow).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let refused = admin
        .post(
            "/admin/reservations",
            &json!({
                "accommodation_id": alerce.id,
                "check_in": today.to_string(),
                "check_out": tomorrow.to_string(),
                "guests": 1,
                "guest_name": "Otro Huésped",
            }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let moved = admin
        .patch(
            &format!("/admin/reservations/{later}"),
            &json!({
                "check_in": tomorrow.to_string(),
                "check_out": (tomorrow + Duration::days(1)).to_string(),
            }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CONFLICT);

    // Act
    let reply = admin.get("/admin/dashboard/stats").await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = &reply.body;
    assert_eq!(body["today"], today.to_string());
    assert_eq!(body["month"], today.format("%Y-%m").to_string());
    assert_eq!(
        body["reservations_by_status"],
        json!({ "cancelled": 1, "confirmed": 4, "pre_reserved": 2 })
    );
    assert_eq!(body["open_pre_reservations"], 1);
    assert_eq!(
        body["revenue"],
        json!({
            "confirmed_this_month": "340000.00",
            "paid_this_month": "45000.00",
            "confirmed_total": "420000.00",
            "paid_total": "65000.00",
            "currency": "ARS",
        })
    );
    assert_eq!(
        body["occupancy"],
        json!([
            { "accommodation_id": alerce.id, "name": "Cabaña Alerce",
              "booked_nights": 3, "occupancy_percent": "10.00" },
            { "accommodation_id": coihue.id, "name": "Cabaña Coihue",
              "booked_nights": 2, "occupancy_percent": "6.67" },
            { "accommodation_id": nire.id, "name": "Cabaña Ñire",
              "booked_nights": 2, "occupancy_percent": "6.67" },
        ])
    );
    assert_eq!(
        body["arrivals_today"],
        json!([movement(
            &arrives_today,
            "Ana Gómez",
            "Cabaña Alerce",
            "confirmed",
            today,
            today + Duration::days(3)
        )])
    );
    assert_eq!(
        body["arrivals_tomorrow"],
        json!([movement(
            &arrives_tomorrow,
            "Martín Pérez",
            "Cabaña Coihue",
            "pre_reserved",
            tomorrow,
            tomorrow + Duration::days(2)
        )])
    );
    assert_eq!(
        body["departures_today"],
        json!([movement(
            &leaves_today,
            "Ana Gómez",
            "Cabaña Coihue",
            "confirmed",
            today - Duration::days(2),
            today
        )])
    );
    assert_eq!(
        body["departures_tomorrow"],
        json!([movement(
            &leaves_tomorrow,
            "Ana Gómez",
            "Cabaña Ñire",
            "confirmed",
            today - Duration::days(1),
            tomorrow
        )])
    );
    assert_eq!(body["overlaps_prevented"], 3);
}

#[tokio::test]
async fn an_empty_dashboard_shows_zeros() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Alerce").insert(app.conn()).await;
    let admin = app.admin().await;

    // Act
    let reply = admin.get("/admin/dashboard/stats").await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "today": app.today().to_string(),
            "month": app.today().format("%Y-%m").to_string(),
            "reservations_by_status": {},
            "open_pre_reservations": 0,
            "revenue": {
                "confirmed_this_month": "0.00",
                "paid_this_month": "0.00",
                "confirmed_total": "0.00",
                "paid_total": "0.00",
                "currency": "ARS",
            },
            "occupancy": [{ "accommodation_id": cabin.id, "name": "Cabaña Alerce",
                            "booked_nights": 0, "occupancy_percent": "0.00" }],
            "arrivals_today": [],
            "arrivals_tomorrow": [],
            "departures_today": [],
            "departures_tomorrow": [],
            "overlaps_prevented": 0,
        })
    );
}

#[tokio::test]
async fn the_dashboard_requires_an_admin_token() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let reply = app
        .request(Method::GET, "/api/v1/admin/dashboard/stats", None, None)
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
