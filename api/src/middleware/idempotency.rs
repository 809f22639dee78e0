//! `Idempotency-Key` for mutations: same key + same request → the stored response replayed;
//! same key + another request → 422 `idempotency_key_reused`; same key still running → 409
//! `idempotency_key_in_flight`. Requests without the header pass through untouched.
//!
//! Apply it to an operation with one line, and document the header on it:
//!
//! ```ignore
//! #[oai(path = "/reservations", method = "post", transform = "idempotent",
//!       request_header(name = "Idempotency-Key", ty = "String", required = false,
//!                      description = "..."))]
//! ```
//!
//! Keys are scoped by method, path and caller, fingerprinted by method, path, query and body,
//! and kept `IDEMPOTENCY_TTL_HOURS` (48 h).
//!
//! The caller is known *before* any lookup: a request with a bearer token that verifies
//! completely (`auth::verify`: signature, expiry, not revoked or superseded) is scoped to that
//! admin's subject and role; any other request to the anonymous scope. A stored answer is
//! therefore replayed only to the same admin, with the same role, as the request that
//! produced it: a request without a token, or with another admin's, never finds it and runs
//! the operation itself, where its security scheme answers 401 or 403. The verified claims
//! are handed to the scheme's checker so the token is not checked twice. 2xx and 4xx answers are stored; a 5xx or a crash releases
//! the key, so the client's retry runs again. A request whose owner died mid-flight keeps the
//! key for [`shared::store::idempotency::IN_FLIGHT_LOCK`], then a retry may take it over.

use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result, http::StatusCode};
use poem_openapi::payload::Json;
use shared::store::idempotency::{self, Begin, StoredRecord};

use crate::{
    auth::{self, Verified},
    error::{ApiError, ErrorBody},
    state::AppState,
};

/// The request header.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Response header set on a replayed response.
pub const REPLAYED_HEADER: &str = "idempotency-replayed";
/// Longest key accepted.
const MAX_KEY_LEN: usize = 255;

/// Wraps an operation's endpoint (`transform = "idempotent"`).
pub fn idempotent<E: Endpoint>(ep: E) -> IdempotentEndpoint<E> {
    Idempotent.transform(ep)
}

/// Middleware applying `Idempotency-Key` semantics.
#[derive(Debug, Default, Clone, Copy)]
pub struct Idempotent;

impl<E: Endpoint> Middleware<E> for Idempotent {
    type Output = IdempotentEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        IdempotentEndpoint { inner: ep }
    }
}

/// Endpoint produced by [`Idempotent`].
#[derive(Debug)]
pub struct IdempotentEndpoint<E> {
    inner: E,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    Json(ErrorBody::new(code, message))
        .with_status(status)
        .into_response()
}

/// An answer as kept under its key: the status is the record's code, the body its payload.
fn record(status: StatusCode, content_type: Option<String>, body: &[u8]) -> StoredRecord {
    StoredRecord {
        code: i16::try_from(status.as_u16()).ok(),
        payload: body.to_vec(),
        media_type: content_type,
    }
}

/// The kept answer, marked as replayed (a record without a valid status is a 200).
fn replay(record: StoredRecord) -> Response {
    let status = record
        .code
        .and_then(|code| u16::try_from(code).ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let mut builder = Response::builder()
        .status(status)
        .header(REPLAYED_HEADER, "true");
    if let Some(ct) = record.media_type {
        builder = builder.content_type(ct);
    }
    builder.body(record.payload)
}

/// The admin the request authenticates as (`admin:<sub>:<role>`), remembering the verified
/// claims in the request; `None` without a bearer token or with one that does not verify.
async fn caller(state: &AppState, req: &mut Request) -> Option<String> {
    let header = req.headers().get(poem::http::header::AUTHORIZATION)?;
    let bearer = header.to_str().ok()?;
    let (scheme, token) = bearer.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let claims = auth::verify(state, token.trim()).await.ok()?;
    let admin = format!("admin:{}:{}", claims.sub, claims.role);
    req.extensions_mut().insert(Verified(claims));
    Some(admin)
}

impl<E: Endpoint> IdempotentEndpoint<E> {
    /// Runs the operation and turns an error into the uniform error response, so what is
    /// stored and replayed is exactly what the client saw.
    async fn run(&self, req: Request) -> Response {
        match self.inner.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => crate::error::catch_all(err).await,
        }
    }
}

impl<E: Endpoint> Endpoint for IdempotentEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let key = req
            .headers()
            .get(IDEMPOTENCY_HEADER)
            .map(|v| v.to_str().map(|s| s.trim().to_owned()));
        // Without a key nothing is looked up or cloned: the request runs as it is.
        let state = key.as_ref().and_then(|_| req.data::<AppState>().cloned());
        let (key, state) = match (key, state) {
            (None, _) | (_, None) => {
                return self.inner.call(req).await.map(IntoResponse::into_response);
            }
            (Some(Ok(key)), Some(state))
                if !key.is_empty()
                    && key.len() <= MAX_KEY_LEN
                    && key.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                (key, state)
            }
            (Some(_), _) => {
                return Ok(error(
                    StatusCode::BAD_REQUEST,
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 printable ASCII characters",
                ));
            }
        };
        let body = req.take_body().into_bytes().await?;
        req.set_body(Body::from(body.clone()));
        let method = req.method().to_string();
        // The URI as the client sent it: inside a nested route `uri()` is relative. (Requests
        // built without a server, as poem's test client does, have no original URI.)
        let uri = if req.original_uri().path() == "/" {
            req.uri().clone()
        } else {
            req.original_uri().clone()
        };
        let path = uri.path().to_owned();
        let query = uri.query().unwrap_or_default().to_owned();
        let scope = match caller(&state, &mut req).await {
            Some(admin) => format!("{method} {path} {admin}"),
            None => format!("{method} {path}"),
        };
        let fingerprint = idempotency::fingerprint(&[
            method.as_bytes(),
            path.as_bytes(),
            query.as_bytes(),
            &body,
        ]);
        let now = state.rules.clock.now();
        let ttl = state.settings.idempotency_ttl();
        let begun = idempotency::begin(&state.db, &scope, &key, &fingerprint, now, ttl).await;
        match begun {
            Err(e) => Ok(ApiError::from(e).into_response()),
            Ok(Begin::Mismatch) => Ok(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request",
            )),
            Ok(Begin::InFlight) => Ok(error(
                StatusCode::CONFLICT,
                "idempotency_key_in_flight",
                "a request with this Idempotency-Key is still being processed",
            )),
            Ok(Begin::Replay(stored)) => {
                metrics::counter!("idempotency_replays_total").increment(1);
                Ok(replay(stored))
            }
            Ok(Begin::Started) => {
                let resp = self.run(req).await;
                let status = resp.status();
                // Not an answer to the request itself: a failure, or a refusal of the caller
                // (credentials, rate limit) that a later retry may not get. Release the key.
                if status.is_server_error()
                    || matches!(
                        status,
                        StatusCode::UNAUTHORIZED
                            | StatusCode::FORBIDDEN
                            | StatusCode::TOO_MANY_REQUESTS
                    )
                {
                    if let Err(e) = idempotency::abandon(&state.db, &scope, &key).await {
                        tracing::warn!(error = %e, "could not release an idempotency key");
                    }
                    return Ok(resp);
                }
                let content_type = resp.content_type().map(str::to_owned);
                let (parts, body) = resp.into_parts();
                let bytes = body.into_bytes().await?;
                let kept = record(status, content_type, &bytes);
                if let Err(e) = idempotency::complete(&state.db, &scope, &key, kept).await {
                    // The answer stands; the key is released later by its in-flight lock.
                    tracing::warn!(error = %e, "could not store an idempotent response");
                }
                Ok(Response::from_parts(parts, Body::from(bytes)))
            }
        }
    }
}
