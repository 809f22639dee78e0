//! CORS: an allowlist of origins, preflights answered, disallowed origins get no CORS headers.

use poem::test::TestResponse;
use tests::harness::TestApp;

use crate::http_helpers::{header, status};

const ALLOWED: &str = "https://cabanas.example";
const OTHER_ALLOWED: &str = "http://localhost:5173";
const EVIL: &str = "https://evil.example";

async fn app() -> TestApp {
    TestApp::with_settings(|s| {
        s.allowed_origins = format!("{ALLOWED}, {OTHER_ALLOWED}/");
        s.trust_proxy_headers = true;
    })
    .await
}

async fn preflight(app: &TestApp, origin: &str) -> TestResponse {
    app.client
        .options("/api/v1/reservations")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key, x-request-id",
        )
        .send()
        .await
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered() {
    // Arrange
    let app = app().await;

    // Act
    let resp = preflight(&app, ALLOWED).await;

    // Assert
    assert_eq!(status(&resp), 204);
    assert_eq!(
        header(&resp, "access-control-allow-origin").as_deref(),
        Some(ALLOWED)
    );
    let methods = header(&resp, "access-control-allow-methods").expect("methods");
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let headers = header(&resp, "access-control-allow-headers")
        .expect("headers")
        .to_ascii_lowercase();
    for wanted in [
        "authorization",
        "content-type",
        "idempotency-key",
        "x-request-id",
    ] {
        assert!(headers.contains(wanted), "{wanted} in {headers}");
    }
    assert_eq!(
        header(&resp, "access-control-max-age").as_deref(),
        Some("600")
    );
    assert!(header(&resp, "vary").is_some_and(|v| v.contains("Origin")));
    assert_eq!(header(&resp, "access-control-allow-credentials"), None);
    // The second entry of the list (given with a trailing slash) is allowed too.
    let other = preflight(&app, OTHER_ALLOWED).await;
    assert_eq!(
        header(&other, "access-control-allow-origin").as_deref(),
        Some(OTHER_ALLOWED)
    );
}

#[tokio::test]
async fn a_preflight_from_another_origin_is_refused_without_cors_headers() {
    let app = app().await;

    let resp = preflight(&app, EVIL).await;

    assert_eq!(status(&resp), 403);
    assert_eq!(header(&resp, "access-control-allow-origin"), None);
    assert_eq!(header(&resp, "access-control-allow-methods"), None);
}

#[tokio::test]
async fn simple_requests_are_served_to_every_origin_but_only_allowed_ones_get_cors_headers() {
    // Arrange
    let app = app().await;
    let get = |origin: &'static str| {
        app.client
            .get("/api/v1/accommodations")
            .header("origin", origin)
            .send()
    };

    // Act
    let allowed = get(ALLOWED).await;
    let evil = get(EVIL).await;

    // Assert: both served; the allowed origin may read the response and its headers.
    assert_eq!(status(&allowed), 200);
    assert_eq!(
        header(&allowed, "access-control-allow-origin").as_deref(),
        Some(ALLOWED)
    );
    let exposed = header(&allowed, "access-control-expose-headers").expect("expose");
    for wanted in ["Retry-After", "X-RateLimit-Remaining", "X-Request-ID"] {
        assert!(exposed.contains(wanted), "{wanted} in {exposed}");
    }
    assert!(header(&allowed, "vary").is_some_and(|v| v.contains("Origin")));
    assert_eq!(status(&evil), 200);
    assert_eq!(header(&evil, "access-control-allow-origin"), None);
    assert_eq!(header(&evil, "access-control-expose-headers"), None);
}

#[tokio::test]
async fn a_rate_limited_answer_is_readable_by_an_allowed_origin() {
    let app = TestApp::with_settings(|s| {
        s.allowed_origins = ALLOWED.into();
        s.rate_limit_per_minute = 1;
        s.trust_proxy_headers = true;
    })
    .await;
    let get = || {
        app.client
            .get("/api/v1/accommodations")
            .header("origin", ALLOWED)
            .header("x-forwarded-for", "203.0.113.50")
            .send()
    };
    assert_eq!(status(&get().await), 200);

    let limited = get().await;

    assert_eq!(status(&limited), 429);
    assert_eq!(
        header(&limited, "access-control-allow-origin").as_deref(),
        Some(ALLOWED)
    );
}

#[tokio::test]
async fn without_an_allowlist_no_cors_headers_are_sent() {
    // Arrange: ALLOWED_ORIGINS empty (the default).
    let app = TestApp::new().await;

    // Act
    let pre = preflight(&app, ALLOWED).await;
    let get = app
        .client
        .get("/api/v1/accommodations")
        .header("origin", ALLOWED)
        .send()
        .await;

    // Assert: the preflight reaches the router (no OPTIONS route), nothing says CORS.
    assert_ne!(status(&pre), 204);
    assert_eq!(header(&pre, "access-control-allow-origin"), None);
    assert_eq!(status(&get), 200);
    assert_eq!(header(&get, "access-control-allow-origin"), None);
}
