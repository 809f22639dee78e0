//! Rate limiting per client IP, shared through Redis by every API instance.

use std::time::Duration;

use api::{startup::build_app, state::AppState};
use poem::{EndpointExt, test::TestClient};
use shared::redis::Keys;
use tests::harness::{TestApp, fixtures};
use tokio::{net::TcpListener, task::JoinHandle};

use crate::http_helpers::{header, header_u64, json, status};

const CLIENT: &str = "203.0.113.10";

async fn app_with_limits(general: u32, login: u32) -> TestApp {
    TestApp::with_settings(|s| {
        s.rate_limit_per_minute = general;
        s.login_rate_limit_per_minute = login;
        s.trust_proxy_headers = true;
    })
    .await
}

#[tokio::test]
async fn the_101st_request_in_a_minute_is_refused_with_a_correct_retry_after() {
    // Arrange: the default limit of 100 per minute, clients identified by X-Forwarded-For.
    let defaults = shared::config::Settings::default();
    let app = app_with_limits(
        defaults.rate_limit_per_minute,
        defaults.login_rate_limit_per_minute,
    )
    .await;
    assert_eq!(app.settings.rate_limit_per_minute, 100);

    // Act: 100 requests are served, counting down.
    let mut first_reset = None;
    for n in 1..=100u64 {
        let resp = app
            .client
            .get("/api/v1/accommodations")
            .header("x-forwarded-for", CLIENT)
            .send()
            .await;
        assert_eq!(status(&resp), 200, "request {n}");
        assert_eq!(header_u64(&resp, "x-ratelimit-limit"), Some(100));
        assert_eq!(header_u64(&resp, "x-ratelimit-remaining"), Some(100 - n));
        let reset = header_u64(&resp, "x-ratelimit-reset").expect("reset");
        assert!((1..=60).contains(&reset), "reset {reset}");
        first_reset.get_or_insert(reset);
    }
    let refused = app
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;

    // Assert: 429 with Retry-After = X-RateLimit-Reset in 1..=60 and the uniform body.
    assert_eq!(status(&refused), 429);
    let retry_after = header_u64(&refused, "retry-after").expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(header_u64(&refused, "x-ratelimit-reset"), Some(retry_after));
    // The window started with the first request and does not move: no later reset.
    assert!(first_reset.is_some_and(|first| retry_after <= first));
    assert_eq!(header_u64(&refused, "x-ratelimit-remaining"), Some(0));
    assert_eq!(header_u64(&refused, "x-ratelimit-limit"), Some(100));
    let request_id = header(&refused, "x-request-id").expect("X-Request-ID");
    let body = json(refused).await;
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(body["trace_id"], request_id.as_str());

    // The counter lives in Redis and expires with the window.
    let keys = Keys::new(app.redis.namespace.clone());
    let mut conn = app.redis.conn.clone();
    let ttl: i64 = redis::cmd("TTL")
        .arg(keys.rate_limit("api", CLIENT))
        .query_async(&mut conn)
        .await
        .expect("TTL");
    assert!((1..=60).contains(&ttl), "ttl {ttl}");

    // Another client is unaffected.
    let other = app
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", "198.51.100.20")
        .send()
        .await;
    assert_eq!(status(&other), 200);
}

#[tokio::test]
async fn two_api_instances_share_one_limit_through_redis() {
    // Arrange: a second instance with its own state and Redis connection, same namespace.
    let first = app_with_limits(10, 10).await;
    let redis = shared::redis::connect(&first.settings)
        .await
        .expect("redis");
    let second_state = AppState::new(
        first.conn().clone(),
        redis,
        first.settings.clone(),
        first.clock.clone(),
    )
    .expect("app state");
    let second = TestClient::new(build_app(second_state).boxed());

    // Act: the client spreads 10 requests over both instances, then tries an 11th on each.
    for n in 0..10 {
        let req = if n % 2 == 0 {
            first.client.get("/api/v1/accommodations")
        } else {
            second.get("/api/v1/accommodations")
        };
        let resp = req.header("x-forwarded-for", CLIENT).send().await;
        assert_eq!(status(&resp), 200, "request {n}");
    }
    let on_first = first
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;
    let on_second = second
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;

    // Assert
    assert_eq!(status(&on_first), 429);
    assert_eq!(status(&on_second), 429);
}

#[tokio::test]
async fn the_admin_login_path_has_its_own_stricter_limit() {
    // Arrange
    let app = app_with_limits(100, 10).await;
    let login = || {
        app.client
            .post("/api/v1/admin/login")
            .header("x-forwarded-for", CLIENT)
            .body_json(&serde_json::json!({"email": "a@b.c", "password": "x"}))
            .send()
    };

    // Act: 10 attempts are let through (whatever the route answers), the 11th is refused.
    for n in 0..10 {
        let resp = login().await;
        assert_ne!(status(&resp), 429, "attempt {n}");
        assert_eq!(header_u64(&resp, "x-ratelimit-limit"), Some(10));
    }
    let refused = login().await;
    let other_paths = app
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;

    // Assert: login refused, the rest of the API still under the general limit.
    assert_eq!(status(&refused), 429);
    assert_eq!(json(refused).await["code"], "rate_limited");
    assert_eq!(status(&other_paths), 200);
    assert_eq!(header_u64(&other_paths, "x-ratelimit-limit"), Some(100));
}

#[tokio::test]
async fn provider_webhooks_and_health_checks_are_not_limited() {
    // Arrange: a limit of 2.
    let app = app_with_limits(2, 2).await;

    // Act + Assert: exempt paths answer without rate-limit headers, however often.
    for _ in 0..5 {
        for (method, path) in [
            ("POST", "/api/v1/webhooks/whatsapp"),
            ("POST", "/api/v1/mercadopago/webhook"),
            ("GET", "/api/v1/healthz"),
            ("GET", "/api/v1/readyz"),
            ("GET", "/metrics"),
        ] {
            let req = if method == "POST" {
                app.client.post(path).body_json(&serde_json::json!({}))
            } else {
                app.client.get(path)
            };
            let resp = req.header("x-forwarded-for", CLIENT).send().await;
            assert_ne!(status(&resp), 429, "{method} {path}");
            assert_eq!(header(&resp, "x-ratelimit-limit"), None, "{method} {path}");
        }
    }
    // The limiter is on for everything else.
    for _ in 0..2 {
        let resp = app
            .client
            .get("/api/v1/accommodations")
            .header("x-forwarded-for", CLIENT)
            .send()
            .await;
        assert_eq!(status(&resp), 200);
    }
    let resp = app
        .client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;
    assert_eq!(status(&resp), 429);
}

#[tokio::test]
async fn a_zero_limit_turns_rate_limiting_off() {
    let app = app_with_limits(0, 0).await;
    for _ in 0..5 {
        let resp = app.client.get("/api/v1/accommodations").send().await;
        assert_eq!(status(&resp), 200);
        assert_eq!(header(&resp, "x-ratelimit-limit"), None);
    }
}

/// A TCP relay in front of Redis that can be cut, to make Redis "go down" for one app only.
struct RedisRelay {
    url: String,
    accept: JoinHandle<()>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl RedisRelay {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let url = format!("redis://{}", listener.local_addr().expect("addr"));
        let upstream = tests::harness::redis_ns::redis_url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_string();
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tracked = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tracked.lock().expect("lock").push(relay);
            }
        });
        Self { url, accept, conns }
    }

    /// Closes the listener and every relayed connection: Redis is unreachable from now on.
    fn cut(&self) {
        self.accept.abort();
        for conn in self.conns.lock().expect("lock").drain(..) {
            conn.abort();
        }
    }
}

#[tokio::test]
async fn requests_are_served_unlimited_when_redis_is_down() {
    // Arrange: an app whose Redis connection goes through a relay, then cut the relay.
    let base = app_with_limits(100, 10).await;
    let cabin = fixtures::cabin("Cabaña Sin Redis")
        .insert(base.conn())
        .await;
    let relay = RedisRelay::start().await;
    let redis = shared::redis::connect_url(&relay.url)
        .await
        .expect("redis via relay");
    let state = AppState::new(
        base.conn().clone(),
        redis,
        base.settings.clone(),
        base.clock.clone(),
    )
    .expect("app state");
    let client = TestClient::new(build_app(state).boxed());
    let served = client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;
    assert_eq!(header_u64(&served, "x-ratelimit-limit"), Some(100));
    relay.cut();
    tokio::task::yield_now().await;

    // Act: a read and a write while Redis is unreachable.
    let started = std::time::Instant::now();
    let read = client
        .get("/api/v1/accommodations")
        .header("x-forwarded-for", CLIENT)
        .send()
        .await;
    let check_in = base.today() + chrono::Duration::days(10);
    let write = client
        .post("/api/v1/reservations")
        .header("x-forwarded-for", CLIENT)
        .body_json(&fixtures::booking(
            cabin.id,
            check_in,
            check_in + chrono::Duration::days(2),
        ))
        .send()
        .await;

    // Assert: both served (fail open), without rate-limit headers, and without hanging.
    assert_eq!(status(&read), 200);
    assert_eq!(header(&read, "x-ratelimit-limit"), None);
    assert_eq!(status(&write), 201);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let metrics = base.state.metrics.render();
    assert!(
        metrics.contains(r#"rate_limit_redis_errors_total{request="read"}"#)
            && metrics.contains(r#"rate_limit_redis_errors_total{request="write"}"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_server_limits_by_socket_peer_address_and_ignores_forged_headers() {
    // Arrange: a real server on port 0, proxy headers NOT trusted, a limit of 3.
    let base = app_with_limits(3, 3).await;
    let mut settings = base.settings.clone();
    settings.trust_proxy_headers = false;
    let server = api::startup::Application::bind(settings, base.conn().clone(), base.clock.clone())
        .await
        .expect("bind");
    let url = format!("http://127.0.0.1:{}/api/v1/accommodations", server.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();

    // Act: every request claims a different client in X-Forwarded-For.
    let mut statuses = Vec::new();
    for n in 0..4 {
        let resp = http
            .get(&url)
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .send()
            .await
            .expect("GET");
        statuses.push(resp.status().as_u16());
    }

    // Assert: one bucket, the peer's (127.0.0.1).
    assert_eq!(statuses, vec![200, 200, 200, 429]);
    let mut conn = base.redis.conn.clone();
    let count: i64 = redis::cmd("GET")
        .arg(base.redis.keys().rate_limit("api", "127.0.0.1"))
        .query_async(&mut conn)
        .await
        .expect("GET counter");
    assert_eq!(count, 4);
    let _ = stop.send(());
    running.await.expect("server task").expect("server stopped");
}
