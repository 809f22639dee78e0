//! Security headers on every response: success, client errors, refusals, docs.

use poem::test::TestResponse;
use serde_json::json;
use tests::harness::TestApp;

use crate::http_helpers::{header, status};

fn assert_security_headers(resp: &TestResponse, what: &str) {
    assert_eq!(
        header(resp, "x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(resp, "x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        header(resp, "referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    let csp = header(resp, "content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    // Arrange: a rate limit of 5 so a 429 is reachable.
    let app = TestApp::with_settings(|s| {
        s.rate_limit_per_minute = 5;
        s.trust_proxy_headers = true;
    })
    .await;
    let ip = "203.0.113.60";

    // Act
    let ok = app
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", ip)
        .send()
        .await;
    let not_found = app
        .client
        .get("/api/v1/nothing-here")
        .header("x-forwarded-for", ip)
        .send()
        .await;
    let wrong_method = app
        .client
        .delete("/api/v1/accommodations")
        .header("x-forwarded-for", ip)
        .send()
        .await;
    let invalid = app
        .client
        .post("/api/v1/reservations")
        .header("x-forwarded-for", ip)
        .body_json(&json!({"check_in": "nope"}))
        .send()
        .await;
    let too_large = app
        .client
        .post("/api/v1/reservations")
        .header("x-forwarded-for", ip)
        .content_type("application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    let limited = app
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", ip)
        .send()
        .await;

    // Assert
    for (resp, expected) in [
        (&ok, 200),
        (&not_found, 404),
        (&wrong_method, 405),
        (&invalid, 422),
        (&too_large, 413),
        (&limited, 429),
    ] {
        assert_eq!(status(resp), expected);
        assert_security_headers(resp, &expected.to_string());
        assert_eq!(
            header(resp, "strict-transport-security"),
            None,
            "plain HTTP: no HSTS"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_the_proxy_says_the_client_used_https() {
    let trusting = TestApp::with_settings(|s| s.trust_proxy_headers = true).await;
    let https = trusting
        .client
        .get("/api/v1/nothing-here")
        .header("x-forwarded-proto", "https")
        .send()
        .await;
    assert_eq!(status(&https), 404);
    assert_eq!(
        header(&https, "strict-transport-security").as_deref(),
        Some("max-age=31536000; includeSubDomains")
    );

    // Not behind a trusted proxy: a client cannot claim HTTPS.
    let untrusting = TestApp::new().await;
    let forged = untrusting
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-proto", "https")
        .send()
        .await;
    assert_eq!(header(&forged, "strict-transport-security"), None);

    // FORCE_HSTS sends it regardless.
    let forced = TestApp::with_settings(|s| s.force_hsts = true).await;
    let resp = forced.client.get("/api/v1/accommodations").send().await;
    assert!(header(&resp, "strict-transport-security").is_some());
}

#[tokio::test]
async fn the_swagger_ui_gets_a_policy_that_lets_it_run_and_nothing_more() {
    let app = TestApp::new().await;

    let docs = app.client.get("/docs/").send().await;

    assert_eq!(status(&docs), 200);
    assert!(header(&docs, "content-type").is_some_and(|c| c.starts_with("text/html")));
    let csp = header(&docs, "content-security-policy").expect("CSP");
    assert!(csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains('*'), "{csp}");
    // The page loads nothing from elsewhere: everything it needs is inline.
    let html = docs.0.into_body().into_string().await.expect("html");
    assert!(html.contains("SwaggerUIBundle"));
    assert!(!html.contains("src=\"http"), "no external scripts");
    assert!(!html.contains("href=\"http"), "no external styles");
}
