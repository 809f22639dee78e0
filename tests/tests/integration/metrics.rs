//! `GET /metrics`: request counts and latencies by route template, booking counters by
//! channel.
//!
//! The Prometheus recorder is global to the process; nextest runs every test in its own
//! process, so the counts below start at zero in each test.

use chrono::{Duration, Weekday};
use tests::harness::{TestApp, fixtures, reply};

/// The line of `metrics` that starts with `prefix`, if any.
fn line<'a>(metrics: &'a str, prefix: &str) -> Option<&'a str> {
    metrics.lines().find(|l| l.starts_with(prefix))
}

#[tokio::test]
async fn request_metrics_are_labelled_by_route_template_and_status() {
    // Arrange: create, conflict, look up by code, and miss a path.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(1));
    let created = reply(
        app.client
            .post("/api/v1/reservations")
            .body_json(&body)
            .send()
            .await,
    )
    .await;
    let code = created.body["code"].as_str().expect("code").to_owned();
    app.client
        .post("/api/v1/reservations")
        .body_json(&body)
        .send()
        .await;
    app.client
        .get(format!("/api/v1/reservations/{code}"))
        .send()
        .await;
    app.client.get("/nothing-here").send().await;

    // Act
    let metrics = reply(app.client.get("/metrics").send().await).await;

    // Assert
    assert_eq!(metrics.status, 200);
    let text = &metrics.text;
    assert_eq!(
        line(
            text,
            r#"http_requests_total{method="POST",route="/api/v1/reservations",status="201"}"#
        ),
        Some(r#"http_requests_total{method="POST",route="/api/v1/reservations",status="201"} 1"#),
        "{text}"
    );
    assert_eq!(
        line(
            text,
            r#"http_requests_total{method="POST",route="/api/v1/reservations",status="409"}"#
        ),
        Some(r#"http_requests_total{method="POST",route="/api/v1/reservations",status="409"} 1"#),
        "{text}"
    );
    assert_eq!(
        line(
            text,
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#),
        "{text}"
    );
    // The lookup is counted under its template (`/api/v1/reservations/:<param>`), never the code.
    let lookup = line(
        text,
        r#"http_requests_total{method="GET",route="/api/v1/reservations/:"#,
    )
    .unwrap_or_else(|| panic!("no lookup line in {text}"));
    assert!(lookup.ends_with(r#"",status="200"} 1"#), "{lookup}");
    let template = lookup
        .split("route=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a route label");
    let param = template.trim_start_matches("/api/v1/reservations/:");
    assert!(
        !param.is_empty()
            && param
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "{template}"
    );
    assert!(
        !text.contains(&code),
        "a reservation code leaked into a label:\n{text}"
    );
    assert!(
        line(
            text,
            r#"http_request_duration_seconds_bucket{method="POST",route="/api/v1/reservations",le="+Inf"} 2"#
        )
        .is_some(),
        "{text}"
    );
    assert!(
        line(
            text,
            r#"http_request_duration_seconds_count{method="POST",route="/api/v1/reservations"} 2"#
        )
        .is_some(),
        "{text}"
    );
}

#[tokio::test]
async fn booking_metrics_count_creations_and_overlaps_by_channel() {
    // Arrange: two web bookings, one whatsapp booking, and two web overlaps.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(10 + n);
    let mut whatsapp = fixtures::booking(cabin.id, day(4), day(5));
    whatsapp["channel"] = "whatsapp".into();
    for (body, status) in [
        (fixtures::booking(cabin.id, day(0), day(2)), 201),
        (fixtures::booking(cabin.id, day(2), day(3)), 201),
        (whatsapp, 201),
        (fixtures::booking(cabin.id, day(1), day(2)), 409),
        (fixtures::booking(cabin.id, day(0), day(5)), 409),
    ] {
        let resp = reply(
            app.client
                .post("/api/v1/reservations")
                .body_json(&body)
                .send()
                .await,
        )
        .await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
    }

    // Act
    let metrics = reply(app.client.get("/metrics").send().await).await;

    // Assert
    let text = &metrics.text;
    assert_eq!(
        line(text, r#"reservation_create_total{channel="web"}"#),
        Some(r#"reservation_create_total{channel="web"} 2"#),
        "{text}"
    );
    assert_eq!(
        line(text, r#"reservation_create_total{channel="whatsapp"}"#),
        Some(r#"reservation_create_total{channel="whatsapp"} 1"#),
        "{text}"
    );
    assert_eq!(
        line(text, r#"reservation_overlap_total{channel="web"}"#),
        Some(r#"reservation_overlap_total{channel="web"} 2"#),
        "{text}"
    );
}
