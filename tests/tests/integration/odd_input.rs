//! Odd input never drops a connection or answers 500: non-ASCII reservation codes and dates at
//! the edges of what the date type can hold get the uniform error body with a 4xx status.

use serde_json::{Value, json};
use tests::harness::{TestApp, fixtures, reply};

/// Dates chrono can parse (the limits of its range and just past year 9999) but no
/// arithmetic may be done on without checking.
const EXTREME_DATES: [&str; 4] = [
    "+262142-12-31",
    "262142-12-31",
    "-262143-01-01",
    "+10000-01-01",
];

/// Asserts a 4xx (never 500) with the uniform error body.
fn assert_client_error(status: u16, body: &Value, expected: &[u16], what: &str) {
    assert!(expected.contains(&status), "{what}: {status} {body}");
    for key in ["code", "message", "trace_id"] {
        assert!(body.get(key).is_some(), "{what}: no {key} in {body}");
    }
}

/// `+` must be percent-encoded in a query string.
fn q(date: &str) -> String {
    date.replace('+', "%2B")
}

#[tokio::test]
async fn a_non_ascii_reservation_code_is_not_found_rather_than_a_dropped_connection() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    for path in [
        "/api/v1/reservations/RES12345%C3%A912345",
        "/api/v1/reservations/%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
        "/api/v1/reservations/RES%F0%9F%98%80%F0%9F%98%80AB%C3%A9",
    ] {
        let resp = reply(app.client.get(path).send().await).await;
        assert_client_error(resp.status, &resp.body, &[404, 422], path);
    }
    let resp = admin.get("/admin/reservations/RES12345%C3%A912345").await;
    assert_client_error(resp.status.as_u16(), &resp.body, &[404, 422], "admin");
    let resp = reply(
        app.client
            .post("/api/v1/reservations/RES12345%C3%A912345/payment-link")
            .send()
            .await,
    )
    .await;
    assert_client_error(resp.status, &resp.body, &[404, 422], "payment link");
}

#[tokio::test]
async fn extreme_dates_are_rejected_on_every_public_route_that_takes_dates() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let today = app.today().to_string();

    for date in EXTREME_DATES {
        for (check_in, check_out) in [(date, date), (today.as_str(), date), (date, "2027-01-01")] {
            let mut body = fixtures::booking(cabin.id, app.today(), app.today());
            body["check_in"] = json!(check_in);
            body["check_out"] = json!(check_out);
            for path in [
                "/api/v1/quotes",
                "/api/v1/reservations",
                "/api/v1/reservations/pre-reserve",
            ] {
                let resp = reply(app.client.post(path).body_json(&body).send().await).await;
                let what = format!("{path} {check_in}..{check_out}");
                assert_client_error(resp.status, &resp.body, &[400, 422], &what);
            }
        }
        for query in [
            format!("from={}", q(date)),
            format!("from={today}&to={}", q(date)),
            format!("from={}&to={}", q(date), q(date)),
            format!("to={}", q(date)),
        ] {
            let path = format!("/api/v1/accommodations/{}/availability?{query}", cabin.id);
            let resp = reply(app.client.get(&path).send().await).await;
            assert_client_error(resp.status, &resp.body, &[400, 422], &path);
        }
    }
}

#[tokio::test]
async fn extreme_dates_are_rejected_on_every_admin_route_that_takes_dates() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let admin = app.admin().await;
    let today = app.today();
    let code = admin
        .book(&tests::harness::admin::booking_body(
            cabin.id,
            today + chrono::Duration::days(3),
            today + chrono::Duration::days(5),
            "Ana",
            json!({}),
        ))
        .await;

    for date in EXTREME_DATES {
        let mut paths = vec![
            format!(
                "/admin/calendar?accommodation_id={}&month={}",
                cabin.id,
                q(&date[..date.len() - 3])
            ),
            format!(
                "/admin/calendar/availability?accommodation_id={}&start_date={}",
                cabin.id,
                q(date)
            ),
            format!(
                "/admin/calendar/availability?accommodation_id={}&start_date={today}&end_date={}",
                cabin.id,
                q(date)
            ),
            format!(
                "/admin/calendar/availability?accommodation_id={}&end_date={}",
                cabin.id,
                q(date)
            ),
        ];
        for list in [
            "/admin/reservations",
            "/admin/reservations/export.csv",
            "/admin/webhooks",
        ] {
            paths.push(format!("{list}?from={}", q(date)));
            paths.push(format!("{list}?to={}", q(date)));
            paths.push(format!("{list}?from={today}&to={}", q(date)));
        }
        for path in paths {
            let resp = admin.get(&path).await;
            assert_client_error(resp.status.as_u16(), &resp.body, &[400, 422], &path);
        }
        for (check_in, check_out) in [(date, date), (&*today.to_string(), date)] {
            let body = json!({
                "accommodation_id": cabin.id, "check_in": check_in, "check_out": check_out,
                "guests": 2, "guest_name": "Ana",
            });
            let resp = admin.post("/admin/reservations", &body).await;
            assert_client_error(resp.status.as_u16(), &resp.body, &[400, 422], "admin book");
            let resp = admin
                .patch(
                    &format!("/admin/reservations/{code}"),
                    &json!({"check_in": check_in, "check_out": check_out}),
                )
                .await;
            assert_client_error(resp.status.as_u16(), &resp.body, &[400, 422], "admin patch");
        }
    }
}
