//! Provider webhooks, at the paths registered at Meta and Mercado Pago:
//! `GET|POST /webhooks/whatsapp` and `POST /mercadopago/webhook`.
//!
//! Handlers check the signature over the raw bytes, then hand the delivery to
//! `shared::service::webhooks`, which records it and enqueues its jobs before we acknowledge.
//! Anything that prevents recording *and* enqueuing answers 503 so the provider retries.
//!
//! Refusals are bounded (see `shared::service::webhook_refusals`): counted in
//! `webhook_refused_total{provider,reason}`, sampled at most once per client and minute
//! without the payload, and limited per client IP (`WEBHOOK_REFUSALS_PER_MINUTE`, then 429)
//! in the rate limiter's shared Redis windows. Signed deliveries are never limited.

use std::time::Instant;

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Query},
    payload::{Json, PlainText},
};
use serde_json::json;
use shared::{
    Error,
    service::{
        webhook_refusals::{self, Refused},
        webhooks::{self, Delivery, Provider},
    },
};
use subtle::ConstantTimeEq;

use super::ApiTags;
use crate::{
    client_ip::{self, ClientIp},
    error::ErrorBody,
    middleware::{rate_limit, trace_id},
    state::AppState,
    webhooks::{
        RawJson,
        signature::{self, MpCheck, Refusal},
    },
};

/// The rate-limit bucket counting refused webhooks per client.
const REFUSED_BUCKET: &str = "webhook_refused";

/// Webhook endpoints.
pub struct WebhooksApi;

/// Answer to Meta's subscription handshake.
#[derive(ApiResponse)]
pub enum HandshakeResponse {
    /// The challenge, echoed.
    #[oai(status = 200, content_type = "text/plain; charset=utf-8")]
    Ok(PlainText<String>),
    /// Wrong mode or verify token.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
}

/// Acknowledgement of a recorded delivery.
#[derive(Debug, Clone, Object)]
pub struct WebhookAck {
    /// Always true.
    pub received: bool,
    /// The row in the webhook log.
    pub webhook_event_id: i64,
}

/// Answer to a webhook delivery. The success status is a per-provider setting
/// (`WEBHOOK_ACK_STATUS_*`, default 202).
#[derive(ApiResponse)]
#[oai(bad_request_handler = "bad_request")]
pub enum WebhookResponse {
    /// Recorded and enqueued.
    #[oai(status = 200)]
    Ok(Json<WebhookAck>),
    /// Recorded and enqueued.
    #[oai(status = 201)]
    Created(Json<WebhookAck>),
    /// Recorded and enqueued (default).
    #[oai(status = 202)]
    Accepted(Json<WebhookAck>),
    /// Malformed request (for Mercado Pago: no `data.id` in the query).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing or bad signature (or the provider's secret is not configured).
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Body over the limit (3 MB for WhatsApp).
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// Too many refused deliveries from this client in the last minute.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorBody>,
        /// Seconds until the client's window resets.
        #[oai(header = "Retry-After")]
        u64,
    ),
    /// Could not be recorded and enqueued; the provider should retry.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

fn bad_request(err: poem::Error) -> WebhookResponse {
    if err.status() == poem::http::StatusCode::PAYLOAD_TOO_LARGE {
        return WebhookResponse::PayloadTooLarge(Json(ErrorBody::new(
            "payload_too_large",
            "the request body is too large",
        )));
    }
    WebhookResponse::BadRequest(Json(ErrorBody::new("bad_request", err.to_string())))
}

fn ack(status: u16, event_id: i64) -> WebhookResponse {
    let body = Json(WebhookAck {
        received: true,
        webhook_event_id: event_id,
    });
    match status {
        200 => WebhookResponse::Ok(body),
        201 => WebhookResponse::Created(body),
        _ => WebhookResponse::Accepted(body),
    }
}

fn unavailable(provider: Provider, err: &Error) -> WebhookResponse {
    tracing::warn!(provider = provider.as_str(), error = %err, "webhook not recorded: answering 503");
    metrics::counter!("webhook_unavailable_total", "provider" => provider.as_str()).increment(1);
    WebhookResponse::Unavailable(Json(ErrorBody::new(
        "service_unavailable",
        "the event could not be recorded; retry later",
    )))
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A refused delivery, as the handler saw it.
struct Refusing<'a> {
    provider: Provider,
    refusal: Refusal,
    client: ClientIp,
    body: &'a [u8],
    started: Instant,
}

/// Counts a refusal, limits it per client, samples it, and answers 401 (400 for a missing
/// `data.id`, 429 past the client's limit). The sample is best effort: the answer is right
/// even when the database or Redis is down.
async fn refuse(state: &AppState, refusing: Refusing<'_>) -> WebhookResponse {
    let (provider, refusal) = (refusing.provider.as_str(), refusing.refusal);
    metrics::counter!("webhook_refused_total", "provider" => provider, "reason" => refusal.reason())
        .increment(1);
    let client = client_ip::bucket_key(refusing.client.0);
    let limit = state.settings.webhook_refusals_per_minute;
    if limit > 0 {
        match rate_limit::count_hit(&state.redis, &state.keys, REFUSED_BUCKET, limit, &client).await
        {
            Ok(window) if window.exceeded() => {
                metrics::counter!("rate_limit_rejections_total", "bucket" => REFUSED_BUCKET)
                    .increment(1);
                let body = ErrorBody::new(
                    "rate_limited",
                    format!(
                        "too many refused webhooks: retry in {} seconds",
                        window.reset_seconds
                    ),
                );
                return WebhookResponse::TooManyRequests(Json(body), window.reset_seconds);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(provider, error, "webhook refusal limit not counted"),
        }
    }
    let status = if refusal == Refusal::MissingDataId {
        400
    } else {
        401
    };
    let refused = Refused {
        provider: refusing.provider,
        reason: refusal.reason(),
        client: &client,
        body: refusing.body,
        status,
        latency_ms: elapsed_ms(refusing.started),
        received_at: state.rules.clock.now(),
    };
    match webhook_refusals::record_refusal(&state.db, &refused).await {
        // Logged once per client and minute, like the sample.
        Ok(true) => tracing::warn!(
            provider,
            reason = refusal.reason(),
            client = %refusing.client.0.as_ref().map(shared::mask::ip).unwrap_or_else(|| "unknown".into()),
            "webhook refused"
        ),
        Ok(false) => {}
        Err(e) => tracing::warn!(provider, error = %e, "could not sample the refused webhook"),
    }
    if refusal == Refusal::MissingDataId {
        return WebhookResponse::BadRequest(Json(ErrorBody::new(
            "missing_data_id",
            "the notification has no data.id query parameter",
        )));
    }
    WebhookResponse::Unauthorized(Json(ErrorBody::new(
        "invalid_signature",
        "missing or invalid signature",
    )))
}

/// The payment id of a Mercado Pago notification: the signed query's `data.id`, nothing
/// from the (unsigned) body. `Ok(None)` when the URL says it is not about a payment;
/// `Err(MissingDataId)` when there is no `data.id`.
pub fn mp_payment_id(
    query_id: Option<&str>,
    query_type: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let id = query_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or(Refusal::MissingDataId)?;
    if query_type.is_some_and(|k| k != "payment") {
        return Ok(None);
    }
    Ok(Some(id.to_owned()))
}

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// WhatsApp subscription handshake
    ///
    /// Meta calls this when the webhook is registered: `hub.mode=subscribe` and
    /// `hub.verify_token` equal to `WHATSAPP_VERIFY_TOKEN` → 200 with `hub.challenge` as plain
    /// text; anything else → 403.
    #[oai(path = "/webhooks/whatsapp", method = "get")]
    async fn whatsapp_handshake(
        &self,
        state: Data<&AppState>,
        #[oai(name = "hub.mode")] mode: Query<Option<String>>,
        #[oai(name = "hub.verify_token")] token: Query<Option<String>>,
        #[oai(name = "hub.challenge")] challenge: Query<Option<String>>,
    ) -> HandshakeResponse {
        let expected = state.settings.whatsapp_verify_token.expose().as_bytes();
        let given = token.0.unwrap_or_default();
        let token_ok = !expected.is_empty() && bool::from(expected.ct_eq(given.as_bytes()));
        if mode.0.as_deref() == Some("subscribe") && token_ok {
            HandshakeResponse::Ok(PlainText(challenge.0.unwrap_or_default()))
        } else {
            tracing::warn!("WhatsApp handshake refused");
            HandshakeResponse::Forbidden(Json(ErrorBody::new("forbidden", "verification failed")))
        }
    }

    /// WhatsApp webhook
    ///
    /// Signed with `X-Hub-Signature-256` over the raw body. Each message and each status of
    /// the batch becomes its own job. Acknowledged (202 by default) only once recorded and
    /// enqueued; 401 on a missing or bad signature; 503 when it cannot be recorded.
    #[oai(path = "/webhooks/whatsapp", method = "post")]
    async fn whatsapp(
        &self,
        state: Data<&AppState>,
        #[oai(name = "X-Hub-Signature-256")] signature_header: Header<Option<String>>,
        client: ClientIp,
        body: RawJson,
    ) -> WebhookResponse {
        let started = Instant::now();
        let secret = state.settings.whatsapp_app_secret.expose();
        if let Err(refusal) = signature::verify_meta(secret, signature_header.0.as_deref(), &body.0)
        {
            let refusing = Refusing {
                provider: Provider::Whatsapp,
                refusal,
                client,
                body: &body.0,
                started,
            };
            return refuse(&state, refusing).await;
        }
        let mut delivery = Delivery {
            provider: Provider::Whatsapp,
            raw: &body.0,
            metadata: json!({ "trace_id": trace_id::current() }),
            status: state.settings.webhook_ack_status_whatsapp,
            latency_ms: 0,
            received_at: state.rules.clock.now(),
        };
        delivery.latency_ms = elapsed_ms(started);
        match webhooks::ingest_whatsapp(&state.db, &state.queue, &delivery).await {
            Ok(event) => ack(delivery.status, event.id),
            Err(e) => unavailable(Provider::Whatsapp, &e),
        }
    }

    /// Mercado Pago webhook
    ///
    /// Signed with `x-signature` (`ts`, `v1`) over the manifest
    /// `id:<data.id>;request-id:<x-request-id>;ts:<ts>;` built from the query string. The
    /// payment id is the query's `data.id` only (400 without it); the body is not signed, so
    /// only an excerpt of it is stored and the payment is always re-fetched from Mercado Pago
    /// by the `payment_reconcile` job. A `ts` outside `WEBHOOK_TS_TOLERANCE_SECONDS` is
    /// refused (the payment poll covers it); a repeated `x-request-id` is acknowledged with
    /// the first event and enqueues nothing.
    #[oai(path = "/mercadopago/webhook", method = "post")]
    #[allow(clippy::too_many_arguments)] // the signed parts are separate query and headers
    async fn mercadopago(
        &self,
        state: Data<&AppState>,
        #[oai(name = "data.id")] data_id: Query<Option<String>>,
        #[oai(name = "type")] kind: Query<Option<String>>,
        #[oai(name = "x-signature")] signature_header: Header<Option<String>>,
        #[oai(name = "x-request-id")] request_id: Header<Option<String>>,
        client: ClientIp,
        body: RawJson,
    ) -> WebhookResponse {
        let started = Instant::now();
        let now = state.rules.clock.now();
        let check = MpCheck {
            secret: state.settings.mercadopago_webhook_secret.expose(),
            now,
            tolerance: state.settings.webhook_ts_tolerance(),
        };
        let checked = mp_payment_id(data_id.0.as_deref(), kind.0.as_deref()).and_then(|id| {
            signature::verify_mercadopago(
                &check,
                signature_header.0.as_deref(),
                data_id.0.as_deref(),
                request_id.0.as_deref(),
            )
            .map(|()| id)
        });
        let payment_id = match checked {
            Ok(id) => id,
            Err(refusal) => {
                let refusing = Refusing {
                    provider: Provider::Mercadopago,
                    refusal,
                    client,
                    body: &body.0,
                    started,
                };
                return refuse(&state, refusing).await;
            }
        };
        let delivery = Delivery {
            provider: Provider::Mercadopago,
            raw: &body.0,
            metadata: json!({
                "data_id": data_id.0,
                "type": kind.0,
                "request_id": request_id.0,
                "trace_id": trace_id::current(),
            }),
            status: state.settings.webhook_ack_status_mercadopago,
            latency_ms: elapsed_ms(started),
            received_at: now,
        };
        match webhooks::ingest_mercadopago(&state.db, &state.queue, &delivery, payment_id).await {
            Ok(event) => ack(delivery.status, event.id),
            Err(e) => unavailable(Provider::Mercadopago, &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payment_id_comes_only_from_the_signed_query() {
        assert_eq!(mp_payment_id(Some("77"), None), Ok(Some("77".into())));
        assert_eq!(
            mp_payment_id(Some(" 77 "), Some("payment")),
            Ok(Some("77".into()))
        );
        assert_eq!(mp_payment_id(Some("5"), Some("merchant_order")), Ok(None));
        assert_eq!(
            mp_payment_id(None, Some("payment")),
            Err(Refusal::MissingDataId)
        );
        assert_eq!(mp_payment_id(Some("  "), None), Err(Refusal::MissingDataId));
    }
}
