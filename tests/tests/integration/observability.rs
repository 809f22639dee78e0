//! Trace ids: every response carries one in `x-request-id`, taken from an incoming
//! `traceparent` or `X-Request-ID` when valid, and every error body repeats it.

use chrono::{Duration, Weekday};
use poem::{Body, http::Method};
use tests::harness::{Reply, TestApp, fixtures, reply};

fn is_generated_trace_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One request of each kind the API answers, successes and errors alike.
async fn one_of_everything(app: &TestApp) -> Vec<(String, Reply)> {
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon);
    let booking = fixtures::booking(cabin.id, monday, monday + Duration::days(1));
    let mut invalid = booking.clone();
    invalid["guests"] = 0.into();
    let client = &app.client;
    let replies = vec![
        (
            "201",
            reply(
                client
                    .post("/api/v1/reservations")
                    .body_json(&booking)
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "409",
            reply(
                client
                    .post("/api/v1/reservations")
                    .body_json(&booking)
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "422",
            reply(
                client
                    .post("/api/v1/reservations")
                    .body_json(&invalid)
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "200 list",
            reply(client.get("/api/v1/accommodations").send().await).await,
        ),
        (
            "404 path",
            reply(client.get("/nothing-here").send().await).await,
        ),
        (
            "404 code",
            reply(
                client
                    .get("/api/v1/reservations/RES260101ABCDEF")
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "405",
            reply(
                client
                    .request(Method::DELETE, "/api/v1/quotes")
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "400",
            reply(
                client
                    .post("/api/v1/quotes")
                    .content_type("application/json")
                    .body("{")
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "413",
            reply(
                client
                    .post("/api/v1/quotes")
                    .content_type("application/json")
                    .body(Body::from_vec(vec![b' '; 1024 * 1024 + 1]))
                    .send()
                    .await,
            )
            .await,
        ),
        (
            "200 spec",
            reply(client.get("/openapi.json").send().await).await,
        ),
        (
            "200 healthz",
            reply(client.get("/api/v1/healthz").send().await).await,
        ),
    ];
    replies
        .into_iter()
        .map(|(what, r)| (what.to_owned(), r))
        .collect()
}

#[tokio::test]
async fn every_response_carries_its_own_generated_trace_id() {
    let app = TestApp::new().await;

    let replies = one_of_everything(&app).await;

    let mut seen = std::collections::HashSet::new();
    for (what, resp) in &replies {
        let expected_status: u16 = what[..3].parse().expect("status prefix");
        assert_eq!(resp.status, expected_status, "{what}: {}", resp.text);
        let id = resp.request_id();
        assert!(is_generated_trace_id(id), "{what}: {id:?}");
        assert!(seen.insert(id.to_owned()), "{what}: {id} reused");
    }
}

#[tokio::test]
async fn every_error_body_carries_the_trace_id_of_its_header() {
    let app = TestApp::new().await;

    let replies = one_of_everything(&app).await;

    let errors: Vec<_> = replies.iter().filter(|(_, r)| r.status >= 400).collect();
    assert_eq!(errors.len(), 7);
    for (what, resp) in errors {
        assert_eq!(
            resp.body["trace_id"],
            resp.request_id(),
            "{what}: {}",
            resp.text
        );
    }
}

#[tokio::test]
async fn an_incoming_traceparent_becomes_the_trace_id() {
    let app = TestApp::new().await;
    let traceparent = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";

    let ok = reply(
        app.client
            .get("/api/v1/accommodations")
            .header("traceparent", traceparent)
            .send()
            .await,
    )
    .await;
    let error = reply(
        app.client
            .get("/api/v1/reservations/RES260101ABCDEF")
            .header("traceparent", traceparent)
            .header("x-request-id", "ignored-when-traceparent-is-valid")
            .send()
            .await,
    )
    .await;

    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.request_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(error.status, 404, "{}", error.text);
    assert_eq!(error.request_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(error.body["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

#[tokio::test]
async fn an_incoming_request_id_is_echoed() {
    let app = TestApp::new().await;

    let ok = reply(
        app.client
            .get("/api/v1/readyz")
            .header("X-Request-ID", "client-req_42.a:b")
            .send()
            .await,
    )
    .await;
    let error = reply(
        app.client
            .get("/nothing-here")
            .header("X-Request-ID", "client-req-43")
            .send()
            .await,
    )
    .await;

    assert_eq!(ok.request_id(), "client-req_42.a:b");
    assert_eq!(error.request_id(), "client-req-43");
    assert_eq!(error.body["trace_id"], "client-req-43");
}

#[tokio::test]
async fn an_invalid_traceparent_falls_back_to_the_request_id() {
    let app = TestApp::new().await;

    let resp = reply(
        app.client
            .get("/api/v1/readyz")
            .header(
                "traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            )
            .header("x-request-id", "fallback-id")
            .send()
            .await,
    )
    .await;

    assert_eq!(resp.request_id(), "fallback-id");
}

#[tokio::test]
async fn unsafe_or_oversized_request_ids_are_replaced_by_a_generated_one() {
    let app = TestApp::new().await;
    let long = "x".repeat(129);

    for bad in ["<script>", "two words", long.as_str()] {
        let resp = reply(
            app.client
                .get("/api/v1/readyz")
                .header("x-request-id", bad)
                .send()
                .await,
        )
        .await;

        assert!(
            is_generated_trace_id(resp.request_id()),
            "{bad:?} -> {}",
            resp.request_id()
        );
    }
}
