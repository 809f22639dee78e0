//! Provider webhooks, at the paths registered at Meta and Mercado Pago:
//! `GET|POST /webhooks/whatsapp` and `POST /mercadopago/webhook`.
//!
//! Handlers check the signature over the raw bytes, then hand the delivery to
//! `shared::service::webhooks`, which records it and enqueues its jobs before we acknowledge.
//! Anything that prevents recording *and* enqueuing answers 503 so the provider retries.

use std::time::Instant;

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Query},
    payload::{Json, PlainText},
};
use serde_json::{Value, json};
use shared::{
    Error,
    service::webhooks::{self, Delivery, Provider},
};
use subtle::ConstantTimeEq;

use super::ApiTags;
use crate::{
    error::ErrorBody,
    middleware::trace_id,
    state::AppState,
    webhooks::{
        RawJson,
        signature::{self, Refusal},
    },
};

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
    /// Malformed request.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing or bad signature (or the provider's secret is not configured).
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Body over the limit (3 MB for WhatsApp).
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
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

/// Logs a refused delivery and answers 401. The log row is best effort: a 401 is right even
/// when the database is down.
async fn refuse(state: &AppState, mut delivery: Delivery<'_>, refusal: Refusal) -> WebhookResponse {
    let provider = delivery.provider.as_str();
    metrics::counter!("webhook_signature_invalid_total", "provider" => provider).increment(1);
    if refusal == Refusal::NoSecret {
        tracing::warn!(
            provider,
            "webhook refused: the provider secret is not configured"
        );
    } else {
        tracing::warn!(
            provider,
            reason = refusal.reason(),
            "webhook signature refused"
        );
    }
    delivery.status = 401;
    if let Err(e) = webhooks::record_rejected(&state.db, &delivery, refusal.reason()).await {
        tracing::warn!(provider, error = %e, "could not log the refused webhook");
    }
    WebhookResponse::Unauthorized(Json(ErrorBody::new(
        "invalid_signature",
        "missing or invalid signature",
    )))
}

/// The payment id of a Mercado Pago notification: the query's `data.id`, else the body's
/// `data.id` (a number or a string). `None` when the URL says it is not about a payment.
/// Nothing else is read from the (unsigned) body.
fn mp_payment_id(query_id: Option<&str>, query_type: Option<&str>, body: &[u8]) -> Option<String> {
    if query_type.is_some_and(|k| k != "payment") {
        return None;
    }
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let from_body = || match parsed.pointer("/data/id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    query_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .or_else(from_body)
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
        body: RawJson,
    ) -> WebhookResponse {
        let started = Instant::now();
        let mut delivery = Delivery {
            provider: Provider::Whatsapp,
            raw: &body.0,
            metadata: json!({ "trace_id": trace_id::current() }),
            status: state.settings.webhook_ack_status_whatsapp,
            latency_ms: 0,
            received_at: state.rules.clock.now(),
        };
        let secret = state.settings.whatsapp_app_secret.expose();
        if let Err(refusal) = signature::verify_meta(secret, signature_header.0.as_deref(), &body.0)
        {
            delivery.latency_ms = elapsed_ms(started);
            return refuse(&state, delivery, refusal).await;
        }
        delivery.latency_ms = elapsed_ms(started);
        match webhooks::ingest_whatsapp(&state.db, &state.queue, &delivery).await {
            Ok(event) => ack(delivery.status, event.id),
            Err(e) => unavailable(Provider::Whatsapp, &e),
        }
    }

    /// Mercado Pago webhook
    ///
    /// Signed with `x-signature` (`ts`, `v1`) over the manifest
    /// `id:<data.id>;request-id:<x-request-id>;ts:<ts>;` built from the query string; the body
    /// is not signed, so only the payment id is taken from it and the payment is always
    /// re-fetched from Mercado Pago by the `payment_reconcile` job.
    #[oai(path = "/mercadopago/webhook", method = "post")]
    async fn mercadopago(
        &self,
        state: Data<&AppState>,
        #[oai(name = "data.id")] data_id: Query<Option<String>>,
        #[oai(name = "type")] kind: Query<Option<String>>,
        #[oai(name = "x-signature")] signature_header: Header<Option<String>>,
        #[oai(name = "x-request-id")] request_id: Header<Option<String>>,
        body: RawJson,
    ) -> WebhookResponse {
        let started = Instant::now();
        let mut delivery = Delivery {
            provider: Provider::Mercadopago,
            raw: &body.0,
            metadata: json!({
                "data_id": data_id.0,
                "type": kind.0,
                "request_id": request_id.0,
                "trace_id": trace_id::current(),
            }),
            status: state.settings.webhook_ack_status_mercadopago,
            latency_ms: 0,
            received_at: state.rules.clock.now(),
        };
        let secret = state.settings.mercadopago_webhook_secret.expose();
        if let Err(refusal) = signature::verify_mercadopago(
            secret,
            signature_header.0.as_deref(),
            data_id.0.as_deref(),
            request_id.0.as_deref(),
        ) {
            delivery.latency_ms = elapsed_ms(started);
            return refuse(&state, delivery, refusal).await;
        }
        let payment_id = mp_payment_id(data_id.0.as_deref(), kind.0.as_deref(), &body.0);
        delivery.latency_ms = elapsed_ms(started);
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
    fn payment_id_comes_from_the_query_then_the_body_as_number_or_string() {
        assert_eq!(mp_payment_id(Some("77"), None, b"{}"), Some("77".into()));
        assert_eq!(
            mp_payment_id(None, None, br#"{"type":"payment","data":{"id":123}}"#),
            Some("123".into())
        );
        assert_eq!(
            mp_payment_id(None, None, br#"{"data":{"id":"abc"}}"#),
            Some("abc".into())
        );
        assert_eq!(
            mp_payment_id(Some("5"), Some("merchant_order"), b"{}"),
            None
        );
        assert_eq!(mp_payment_id(None, None, b"not json"), None);
    }
}
