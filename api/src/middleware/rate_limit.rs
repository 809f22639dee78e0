//! Per-client rate limiting shared by every API machine through Redis.
//!
//! Fixed windows (ADR 0030): each client IP has one counter per bucket, created by the first
//! request with a 60-second expiry and incremented by the others. The increment and the expiry
//! run in one Lua script, so a counter never lives without its expiry and every API machine
//! sees the same count. Redis owns the clock: the window resets when the key expires, and
//! `Retry-After` is the key's remaining TTL, so machines with skewed clocks still agree.
//!
//! Buckets: `login` (`POST /api/v1/admin/login`, `LOGIN_RATE_LIMIT_PER_MINUTE`) and `api`
//! (everything else, `RATE_LIMIT_PER_MINUTE`). Provider webhooks, health checks and metrics
//! are exempt. Every limited response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset` (seconds until the window resets); a refusal is a `429
//! rate_limited` with `Retry-After`.
//!
//! When Redis fails or is slow the request is served anyway (fail open, reads and writes),
//! counted in `rate_limit_redis_errors_total` and logged at most every 10 seconds: an outage
//! of the limiter must not become an outage of bookings, and the one open write (booking)
//! is still bounded by the hold limits in PostgreSQL.

use std::{
    sync::{
        Arc, LazyLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode},
};
use poem_openapi::payload::Json;
use redis::Script;
use shared::{
    config::AppEnv,
    mask,
    redis::{Keys, RedisConn},
};

use crate::{client_ip, error::ErrorBody, state::AppState};

/// The admin login path, limited more strictly.
pub const LOGIN_PATH: &str = "/api/v1/admin/login";
/// Paths that are never limited per IP: provider webhooks (many events from few IPs), health
/// checks and metrics (the platform polls them). A trailing `/` means "this prefix".
pub const EXEMPT_PATHS: &[&str] = &[
    "/api/v1/webhooks/",
    "/api/v1/mercadopago/webhook",
    "/api/v1/healthz",
    "/api/v1/readyz",
    "/metrics",
];
/// Length of a window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// How long a request waits for Redis before it is served unlimited.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
/// At most one warning per this many seconds while Redis fails.
const WARN_EVERY_SECONDS: i64 = 10;

/// Increments the window counter, starting the window on the first hit; returns the count
/// and the milliseconds left in the window.
const HIT_SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
";

/// The loaded [`HIT_SCRIPT`] (its SHA-1 is computed once).
static HIT: LazyLock<Script> = LazyLock::new(|| Script::new(HIT_SCRIPT));

/// Counts one hit of `client` in `bucket` against `limit` per [`WINDOW`], in the same shared
/// Redis windows the middleware uses. Also used for what is not a request count: refused
/// webhooks are limited per client IP in the `webhook_refused` bucket. `Err` when Redis
/// does not answer in time (callers fail open).
pub async fn count_hit(
    redis: &RedisConn,
    keys: &Keys,
    bucket: &str,
    limit: u32,
    client: &str,
) -> Result<Window, String> {
    let mut conn = redis.clone();
    let mut invocation = HIT.key(keys.rate_limit(bucket, client));
    invocation.arg(u64::try_from(WINDOW.as_millis()).unwrap_or(60_000));
    let call = invocation.invoke_async::<(i64, i64)>(&mut conn);
    match tokio::time::timeout(REDIS_TIMEOUT, call).await {
        Ok(Ok((count, ttl_ms))) => Ok(Window::new(limit, count, ttl_ms)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {REDIS_TIMEOUT:?}")),
    }
}

/// A bucket a request is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bucket {
    name: &'static str,
    limit: u32,
}

/// The state of a client's window after a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests counted in this window, this one included.
    pub count: u64,
    /// Seconds until the window resets (at least 1).
    pub reset_seconds: u64,
}

impl Window {
    fn new(limit: u32, count: i64, ttl_ms: i64) -> Self {
        let ttl_ms = u64::try_from(ttl_ms).unwrap_or(0);
        Self {
            limit,
            count: u64::try_from(count).unwrap_or(0),
            reset_seconds: ttl_ms.div_ceil(1000).clamp(1, WINDOW.as_secs()),
        }
    }

    /// Whether this request is over the limit.
    pub fn exceeded(&self) -> bool {
        self.count > u64::from(self.limit)
    }

    /// Requests left in the window.
    pub fn remaining(&self) -> u64 {
        u64::from(self.limit).saturating_sub(self.count)
    }

    fn apply_headers(&self, resp: &mut Response) {
        let headers = resp.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining()));
        headers.insert("x-ratelimit-reset", HeaderValue::from(self.reset_seconds));
    }
}

struct Limiter {
    redis: RedisConn,
    keys: Keys,
    general: u32,
    login: u32,
    trust_proxy_headers: bool,
    last_warning: AtomicI64,
}

/// Middleware limiting requests per client IP; a no-op when `RATE_LIMIT_PER_MINUTE=0`.
#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<Limiter>,
}

impl RateLimit {
    /// The limiter configured by the state's settings, counting in its Redis namespace.
    pub fn from_state(state: &AppState) -> Self {
        let settings = &state.settings;
        if settings.app_env == AppEnv::Production
            && settings.rate_limit_per_minute > 0
            && !settings.trust_proxy_headers
        {
            // Behind Fly's proxy every request comes from the proxy's address: without the
            // proxy headers all clients would share one bucket.
            tracing::warn!(
                "rate limiting by socket address in production: set TRUST_PROXY_HEADERS=true \
                 when running behind a proxy (Fly.io), or all clients share one limit"
            );
        }
        Self {
            limiter: Arc::new(Limiter {
                redis: state.redis.clone(),
                keys: Keys::new(settings.redis_namespace.clone()),
                general: settings.rate_limit_per_minute,
                login: settings.login_rate_limit_per_minute,
                trust_proxy_headers: settings.trust_proxy_headers,
                last_warning: AtomicI64::new(i64::MIN),
            }),
        }
    }
}

impl<E: Endpoint> Middleware<E> for RateLimit {
    type Output = RateLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RateLimitEndpoint {
            inner: ep,
            limiter: self.limiter.clone(),
        }
    }
}

/// Endpoint produced by [`RateLimit`].
pub struct RateLimitEndpoint<E> {
    inner: E,
    limiter: Arc<Limiter>,
}

impl Limiter {
    fn bucket(&self, method: &Method, path: &str) -> Option<Bucket> {
        if self.general == 0 || is_exempt(path) {
            return None;
        }
        let login = *method == Method::POST && path.trim_end_matches('/') == LOGIN_PATH;
        Some(if login && self.login > 0 {
            Bucket {
                name: "login",
                limit: self.login,
            }
        } else {
            Bucket {
                name: "api",
                limit: self.general,
            }
        })
    }

    async fn hit(&self, bucket: Bucket, client: &str) -> Result<Window, String> {
        count_hit(&self.redis, &self.keys, bucket.name, bucket.limit, client).await
    }

    /// Counts a Redis failure and warns unless a warning went out in the last 10 seconds.
    fn redis_failed(&self, method: &Method, error: &str) {
        let kind = if is_read(method) { "read" } else { "write" };
        metrics::counter!("rate_limit_redis_errors_total", "request" => kind).increment(1);
        let now = chrono::Utc::now().timestamp();
        let last = self.last_warning.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= WARN_EVERY_SECONDS
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                error,
                "rate limiter cannot reach Redis: serving requests unlimited (fail open)"
            );
        }
    }
}

fn is_exempt(path: &str) -> bool {
    EXEMPT_PATHS.iter().any(|exempt| {
        if exempt.ends_with('/') {
            path.starts_with(exempt)
        } else {
            path == *exempt || path.strip_prefix(exempt) == Some("/")
        }
    })
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The `429 rate_limited` response.
fn too_many(window: &Window) -> Response {
    let body = ErrorBody::new(
        "rate_limited",
        format!(
            "too many requests: at most {} per minute; retry in {} seconds",
            window.limit, window.reset_seconds
        ),
    );
    let mut resp = Json(body)
        .with_status(StatusCode::TOO_MANY_REQUESTS)
        .into_response();
    resp.headers_mut()
        .insert("retry-after", HeaderValue::from(window.reset_seconds));
    window.apply_headers(&mut resp);
    resp
}

impl<E: Endpoint> Endpoint for RateLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let limiter = &self.limiter;
        let Some(bucket) = limiter.bucket(req.method(), req.uri().path()) else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        let ip = client_ip::resolve(&req, limiter.trust_proxy_headers);
        let window = match limiter.hit(bucket, &client_ip::bucket_key(ip)).await {
            Ok(window) => window,
            Err(error) => {
                limiter.redis_failed(req.method(), &error);
                return self.inner.call(req).await.map(IntoResponse::into_response);
            }
        };
        if window.exceeded() {
            metrics::counter!("rate_limit_rejections_total", "bucket" => bucket.name).increment(1);
            // Once per window and client, so a flood does not flood the logs too.
            if window.count == u64::from(window.limit) + 1 {
                tracing::info!(
                    bucket = bucket.name,
                    client_ip = %ip.as_ref().map(mask::ip).unwrap_or_else(|| "unknown".into()),
                    limit = window.limit,
                    "client rate limited"
                );
            }
            return Ok(too_many(&window));
        }
        let mut resp = match self.inner.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => err.into_response(),
        };
        window.apply_headers(&mut resp);
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_remaining_and_reset_in_whole_seconds() {
        let window = Window::new(100, 100, 59_001);
        assert!(!window.exceeded());
        assert_eq!((window.remaining(), window.reset_seconds), (0, 60));
        let over = Window::new(100, 101, 1);
        assert!(over.exceeded());
        assert_eq!((over.remaining(), over.reset_seconds), (0, 1));
        assert_eq!(Window::new(10, 1, 60_000).remaining(), 9);
    }

    #[test]
    fn webhooks_health_and_metrics_are_exempt() {
        for path in [
            "/api/v1/webhooks/whatsapp",
            "/api/v1/webhooks/mercadopago",
            "/api/v1/mercadopago/webhook",
            "/api/v1/healthz",
            "/api/v1/readyz",
            "/metrics",
        ] {
            assert!(is_exempt(path), "{path}");
        }
        for path in [
            "/api/v1/reservations",
            "/api/v1/webhooksx",
            "/api/v1/healthz-not",
            "/metricsx",
        ] {
            assert!(!is_exempt(path), "{path}");
        }
    }
}
