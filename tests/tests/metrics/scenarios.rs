//! The scenarios [`super::metrics_count_exactly_what_happened`] runs one after the other.

use chrono::{Duration, Weekday};
use poem::http::Method;
use tests::harness::{TestApp, fixtures, webhooks};

/// The line of `metrics` that starts with `prefix`, if any.
fn line<'a>(metrics: &'a str, prefix: &str) -> Option<&'a str> {
    metrics.lines().find(|l| l.starts_with(prefix))
}

/// The value of the series `series` (its name and labels exactly), 0 when absent.
fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

/// How much each series in `series` grew from `before` to `after`.
fn deltas(before: &str, after: &str, series: &[&str]) -> Vec<f64> {
    series
        .iter()
        .map(|s| value(after, s) - value(before, s))
        .collect()
}

pub async fn request_metrics_are_labelled_by_route_template_and_status() {
    // Arrange: create, conflict, look up by code, and miss a path.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon);
    let body = fixtures::booking(cabin.id, monday, monday + Duration::days(1));
    let before = app.metrics().await;
    let created = app.book(&body).await;
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
    let text = &app.metrics().await;

    // Assert
    assert_eq!(
        deltas(
            &before,
            text,
            &[
                r#"http_requests_total{method="POST",route="/api/v1/reservations",status="201"}"#,
                r#"http_requests_total{method="POST",route="/api/v1/reservations",status="409"}"#,
                r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
                r#"http_request_duration_seconds_bucket{method="POST",route="/api/v1/reservations",le="+Inf"}"#,
                r#"http_request_duration_seconds_count{method="POST",route="/api/v1/reservations"}"#,
                r#"req_latency_seconds_count{route="/api/v1/reservations",status_class="2xx"}"#,
                r#"req_latency_seconds_count{route="/api/v1/reservations",status_class="4xx"}"#,
                r#"req_latency_seconds_bucket{route="unmatched",status_class="4xx",le="+Inf"}"#,
            ]
        ),
        vec![1.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 1.0],
        "{text}"
    );
    // The lookup is counted under its template (`/api/v1/reservations/:<param>`), never the code.
    let lookup = line(
        text,
        r#"http_requests_total{method="GET",route="/api/v1/reservations/:"#,
    )
    .unwrap_or_else(|| panic!("no lookup line in {text}"));
    assert!(lookup.contains(r#"",status="200"} "#), "{lookup}");
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
}

pub async fn booking_metrics_count_creations_and_overlaps_by_channel() {
    // Arrange: two web bookings, one whatsapp booking, and two web overlaps.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(10 + n);
    let mut whatsapp = fixtures::booking(cabin.id, day(4), day(5));
    whatsapp["channel"] = "whatsapp".into();
    let before = app.metrics().await;
    for (body, status) in [
        (fixtures::booking(cabin.id, day(0), day(2)), 201),
        (fixtures::booking(cabin.id, day(2), day(3)), 201),
        (whatsapp, 201),
        (fixtures::booking(cabin.id, day(1), day(2)), 409),
        (fixtures::booking(cabin.id, day(0), day(5)), 409),
    ] {
        let resp = app.book(&body).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
    }

    // Act
    let text = &app.metrics().await;

    // Assert
    assert_eq!(
        deltas(
            &before,
            text,
            &[
                r#"reservation_create_total{channel="web"}"#,
                r#"reservation_create_total{channel="whatsapp"}"#,
                r#"reservation_overlap_total{channel="web"}"#,
            ]
        ),
        vec![2.0, 1.0, 2.0],
        "{text}"
    );
}

pub async fn made_up_methods_share_one_other_series() {
    // Arrange
    let app = TestApp::new().await;
    let before = app.metrics().await;

    // Act: 40 methods nobody defined, on a real route and on a missing one.
    for n in 0..40 {
        let method = Method::from_bytes(format!("MADEUP{n}").as_bytes()).expect("a token");
        let path = if n % 2 == 0 {
            "/api/v1/accommodations"
        } else {
            "/nothing-here"
        };
        app.client.request(method, path).send().await;
    }
    let text = &app.metrics().await;

    // Assert: no made-up name in any label, and one `other` series per route/status counted
    // all 40.
    assert!(!text.contains("MADEUP"), "{text}");
    let other: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(r#"http_requests_total{method="other""#))
        .collect();
    let added: f64 = other
        .iter()
        .map(|l| {
            let series = l.rsplit_once(' ').map_or(*l, |(s, _)| s);
            value(text, series) - value(&before, series)
        })
        .sum();
    assert_eq!(added, 40.0, "{text}");
    assert!(other.len() <= 2, "{other:?}");
}

pub async fn bad_webhook_signatures_are_counted_and_process_gauges_are_served() {
    // Arrange
    let app = TestApp::new().await;
    let body = webhooks::text_message("wamid.METRICS1", "5491112345678", "hola");
    let before = app.metrics().await;

    // Act: one delivery without a signature, one with a wrong one, one signed.
    webhooks::post_whatsapp(&app.client, body.clone(), None).await;
    webhooks::post_whatsapp(
        &app.client,
        body.clone(),
        Some(format!("sha256={}", "0".repeat(64))),
    )
    .await;
    webhooks::post_signed_whatsapp(&app.client, body).await;
    let text = &app.metrics().await;

    // Assert: the two refusals count as invalid signatures, the signed one does not; the
    // process gauges are there with plausible values.
    assert_eq!(
        deltas(
            &before,
            text,
            &[r#"webhook_signature_invalid_total{provider="whatsapp"}"#]
        ),
        vec![2.0],
        "{text}"
    );
    let rss = value(text, "process_resident_memory_bytes");
    assert!(rss > 1_000_000.0, "RSS {rss} in {text}");
    assert!(value(text, "process_open_fds") >= 3.0, "{text}");
    assert!(line(text, "process_uptime_seconds ").is_some(), "{text}");
}
