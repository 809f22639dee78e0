//! Requests the handlers never see (malformed JSON, wrong types, unknown paths, wrong methods,
//! oversized bodies) get the same error body as the rest: `{code, message, trace_id}`, with
//! the trace id also in `x-request-id`.

use chrono::{Duration, Weekday};
use poem::{Body, http::Method};
use serde_json::json;
use tests::harness::{Reply, TestApp, fixtures, reply};

/// The body limit of the API.
const ONE_MIB: usize = 1024 * 1024;

/// Asserts the uniform error shape with `status` and `code`, and that the body's trace id is
/// the `x-request-id` header.
fn assert_error(resp: &Reply, status: u16, code: &str) {
    assert_eq!(resp.status, status, "{}", resp.text);
    assert_eq!(
        resp.keys(),
        vec!["code", "message", "trace_id"],
        "{}",
        resp.text
    );
    assert_eq!(resp.body["code"], code, "{}", resp.text);
    assert!(
        resp.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        resp.text
    );
    assert_eq!(resp.body["trace_id"], resp.request_id(), "{}", resp.text);
    assert!(
        resp.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        resp.headers
    );
}

async fn post_raw(app: &TestApp, path: &str, body: &str) -> Reply {
    reply(
        app.client
            .post(path)
            .content_type("application/json")
            .body(body.to_owned())
            .send()
            .await,
    )
    .await
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_with_the_uniform_body() {
    let app = TestApp::new().await;

    for path in ["/api/v1/reservations", "/api/v1/quotes"] {
        for body in ["{", "{\"accommodation_id\": 1,}", "not json", ""] {
            let resp = post_raw(&app, path, body).await;

            assert_error(&resp, 400, "bad_request");
        }
    }
}

#[tokio::test]
async fn wrongly_typed_fields_are_a_bad_request() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon);
    let valid = fixtures::booking(cabin.id, monday, monday + Duration::days(1));

    for (field, value) in [
        ("guests", json!("two")),
        ("accommodation_id", json!("uno")),
        ("guest_name", json!({"first": "Martín"})),
        ("guests", json!(2.5)),
        ("check_in", json!([2027, 1, 15])),
    ] {
        let mut body = valid.clone();
        body[field] = value.clone();

        // Act
        let resp = app.book(&body).await;

        // Assert
        assert_error(&resp, 400, "bad_request");
        assert!(
            resp.body["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("parse request payload error")),
            "{field}={value}: {}",
            resp.text
        );
    }
    assert!(fixtures::reservations(app.conn()).await.is_empty());
}

#[tokio::test]
async fn a_json_array_instead_of_an_object_is_a_bad_request() {
    let app = TestApp::new().await;

    let resp = post_raw(&app, "/api/v1/reservations", "[]").await;

    assert_error(&resp, 400, "bad_request");
}

#[tokio::test]
async fn a_body_that_is_not_declared_as_json_is_refused_with_415() {
    let app = TestApp::new().await;

    let plain = reply(
        app.client
            .post("/api/v1/quotes")
            .content_type("text/plain")
            .body("{}")
            .send()
            .await,
    )
    .await;
    let undeclared = reply(
        app.client
            .post("/api/v1/reservations")
            .body("{}")
            .send()
            .await,
    )
    .await;

    assert_error(&plain, 415, "unsupported_media_type");
    assert_error(&undeclared, 415, "unsupported_media_type");
}

#[tokio::test]
async fn unknown_paths_are_not_found_with_the_uniform_body() {
    let app = TestApp::new().await;

    for path in [
        "/api/v1/nothing-here",
        "/nothing-here",
        "/api/v2/accommodations",
    ] {
        let resp = reply(app.client.get(path).send().await).await;

        assert_error(&resp, 404, "not_found");
    }
}

#[tokio::test]
async fn a_wrong_method_is_not_allowed_with_the_uniform_body() {
    let app = TestApp::new().await;

    for (method, path) in [
        (Method::DELETE, "/api/v1/reservations"),
        (Method::PUT, "/api/v1/quotes"),
        (Method::POST, "/api/v1/accommodations"),
        (Method::GET, "/api/v1/quotes"),
    ] {
        let resp = reply(app.client.request(method.clone(), path).send().await).await;

        assert_eq!(resp.status, 405, "{method} {path}: {}", resp.text);
        assert_error(&resp, 405, "method_not_allowed");
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_with_content_length_is_refused_with_413() {
    let app = TestApp::new().await;
    let body = vec![b' '; ONE_MIB + 1];

    let resp = reply(
        app.client
            .post("/api/v1/reservations")
            .content_type("application/json")
            .header("content-length", body.len().to_string())
            .body(body)
            .send()
            .await,
    )
    .await;

    assert_error(&resp, 413, "payload_too_large");
}

#[tokio::test]
async fn a_chunked_body_over_one_mebibyte_is_refused_with_413() {
    // Arrange: 17 chunks of 64 KiB, no Content-Length.
    let app = TestApp::new().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..17).map(|_| Ok(vec![b' '; 64 * 1024])).collect();

    // Act
    let resp = reply(
        app.client
            .post("/api/v1/reservations")
            .content_type("application/json")
            .header("transfer-encoding", "chunked")
            .body(Body::from_bytes_stream(futures::stream::iter(chunks)))
            .send()
            .await,
    )
    .await;

    // Assert
    assert_error(&resp, 413, "payload_too_large");
}

#[tokio::test]
async fn a_body_of_exactly_one_mebibyte_is_accepted() {
    // Arrange: a valid booking padded with whitespace to exactly 1 MiB, sent in chunks.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let monday = fixtures::next_weekday(app.today() + Duration::days(7), Weekday::Mon);
    let mut body = fixtures::booking(cabin.id, monday, monday + Duration::days(1))
        .to_string()
        .into_bytes();
    body.resize(ONE_MIB, b' ');
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(100_000).map(|c| Ok(c.to_vec())).collect();

    // Act
    let resp = reply(
        app.client
            .post("/api/v1/reservations")
            .content_type("application/json")
            .body(Body::from_bytes_stream(futures::stream::iter(chunks)))
            .send()
            .await,
    )
    .await;

    // Assert
    assert_eq!(resp.status, 201, "{}", resp.text);
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    // The declared length alone decides: the body itself is tiny.
    let app = TestApp::new().await;

    let resp = reply(
        app.client
            .post("/api/v1/quotes")
            .content_type("application/json")
            .header("content-length", (ONE_MIB + 1).to_string())
            .body("{}")
            .send()
            .await,
    )
    .await;

    assert_error(&resp, 413, "payload_too_large");
}
