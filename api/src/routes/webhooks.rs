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

use poem::{http::StatusCode, web::Data};
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
        webhooks::{self, Delivery, Ingested, Provider},
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
        signature::{self, MpCheck, Refusal, mp_payment_id},
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
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
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

/// A status as stored in `webhook_events.status_returned`.
fn receipt(status: u16) -> i16 {
    i16::try_from(status).unwrap_or(i16::MAX)
}

/// The answer to a delivery: the provider's acknowledgement (`ack_status`, a setting) once it
/// is recorded and its jobs enqueued, 503 (retry) otherwise. An event recorded without its
/// jobs gets the 503 as its receipt.
async fn answer(
    state: &AppState,
    provider: Provider,
    ack_status: u16,
    ingested: shared::Result<Ingested>,
) -> WebhookResponse {
    match ingested {
        Ok(Ingested::Recorded(event) | Ingested::Duplicate(event)) => ack(ack_status, event.id),
        Ok(Ingested::NotEnqueued { event_id, error }) => {
            let answered = receipt(StatusCode::SERVICE_UNAVAILABLE.as_u16());
            if let Err(e) = webhooks::record_receipt(&state.db, event_id, answered).await {
                tracing::warn!(webhook_event_id = event_id, error = %e, "could not record the 503 receipt");
            }
            unavailable(provider, &error)
        }
        Err(error) => unavailable(provider, &error),
    }
}

fn unavailable(provider: Provider, err: &Error) -> WebhookResponse {
    tracing::warn!(provider = provider.as_str(), error = %err, "webhook not recorded and enqueued: answering 503");
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
    if refusal.is_invalid_signature() {
        metrics::counter!("webhook_signature_invalid_total", "provider" => provider).increment(1);
    }
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
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::UNAUTHORIZED
    };
    let refused = Refused {
        provider: refusing.provider,
        reason: refusal.reason(),
        client: &client,
        body: refusing.body,
        receipt: receipt(status.as_u16()),
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
        let ack_status = state.settings.webhook_ack_status_whatsapp;
        let mut delivery = Delivery {
            provider: Provider::Whatsapp,
            raw: &body.0,
            metadata: json!({ "trace_id": trace_id::current() }),
            receipt: receipt(ack_status),
            latency_ms: 0,
            received_at: state.rules.clock.now(),
        };
        delivery.latency_ms = elapsed_ms(started);
        let ingested = webhooks::ingest_whatsapp(&state.db, &state.queue, &delivery).await;
        answer(&state, Provider::Whatsapp, ack_status, ingested).await
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
        let ack_status = state.settings.webhook_ack_status_mercadopago;
        let delivery = Delivery {
            provider: Provider::Mercadopago,
            raw: &body.0,
            metadata: json!({
                "data_id": data_id.0,
                "type": kind.0,
                "request_id": request_id.0,
                "trace_id": trace_id::current(),
            }),
            receipt: receipt(ack_status),
            latency_ms: elapsed_ms(started),
            received_at: now,
        };
        let ingested =
            webhooks::ingest_mercadopago(&state.db, &state.queue, &delivery, payment_id).await;
        answer(&state, Provider::Mercadopago, ack_status, ingested).await
    }
}

#[cfg(test)]
mod tests {
    use poem::http::Method;

    use super::*;
    use crate::startup::API_PREFIX;

    /// The path of the Mercado Pago route ([`WebhooksApi::mercadopago`]) under [`API_PREFIX`].
    const MERCADOPAGO_PATH: &str = "/mercadopago/webhook";

    #[test]
    fn mercado_pago_is_told_to_notify_the_mercado_pago_route() {
        let settings = shared::config::Settings {
            public_base_url: "https://cabanas.example.com/".into(),
            ..Default::default()
        };
        assert_eq!(
            settings.mercadopago_notification_url(),
            "https://cabanas.example.com/api/v1/mercadopago/webhook?source_news=webhooks"
        );
        assert_eq!(
            shared::config::MERCADOPAGO_WEBHOOK_PATH,
            format!("{API_PREFIX}{MERCADOPAGO_PATH}")
        );
        let served = <WebhooksApi as OpenApi>::meta()
            .into_iter()
            .flat_map(|api| api.paths)
            .any(|path| {
                path.path == MERCADOPAGO_PATH
                    && path.operations.iter().any(|op| op.method == Method::POST)
            });
        assert!(served, "no POST {MERCADOPAGO_PATH} in WebhooksApi");
    }
}
