//! Mercado Pago client: Checkout Pro preferences and payment look-ups.
//!
//! Failure classification (see docs/adr/0020):
//! * no answer (timeout, connection refused or reset), 429 and 5xx → `Error::Unavailable`:
//!   the caller retries later;
//! * 404 → `Error::NotFound("mercadopago payment" / "mercadopago preference")`: permanent;
//! * any other 4xx (bad token, rejected body) and an unreadable 2xx body →
//!   `Error::Internal`: permanent, it needs a person (configuration or a bug).
//!
//! The access token is only ever put in the `Authorization` header (marked sensitive); it is
//! never logged and `Debug` does not print it.

mod wire;

use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder};
pub use wire::{
    BackUrls, Payment, Preference, PreferenceItem, PreferenceRequest, parse_exact_decimal,
};

use crate::{Error, Result, config::Secret, config::Settings};

/// Why a call to Mercado Pago failed (the source of the `shared::Error`).
#[derive(Debug, thiserror::Error)]
pub enum MercadoPagoError {
    /// Mercado Pago answered with an error status.
    #[error("Mercado Pago answered {status} to {operation}: {message}")]
    Status {
        /// What we asked for.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Mercado Pago's `message` (truncated), or the start of the body.
        message: String,
    },
    /// No usable answer: timeout, connection failure, interrupted body.
    #[error("Mercado Pago {operation} failed in transport")]
    Transport {
        /// What we asked for.
        operation: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A success answer we could not read.
    #[error("Mercado Pago {operation} answer could not be read")]
    Decode {
        /// What we asked for.
        operation: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// Longest provider message kept in an error.
const MAX_MESSAGE_CHARS: usize = 200;

/// Maps an error answer onto `shared::Error` (see the module docs for the rules).
pub fn classify_status(operation: &'static str, status: u16, body: &[u8]) -> Error {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .collect();
    let source = MercadoPagoError::Status {
        operation,
        status,
        message,
    };
    match status {
        429 | 500..=599 => Error::Unavailable(Box::new(source)),
        404 if operation == GET_PAYMENT => Error::NotFound("mercadopago payment"),
        404 => Error::NotFound("mercadopago resource"),
        _ => Error::Internal(Box::new(source)),
    }
}

const CREATE_PREFERENCE: &str = "create_preference";
const GET_PAYMENT: &str = "get_payment";
const SEARCH_PAYMENTS: &str = "search_payments";

/// Most payments one search asks for (a hold has one or two attempts; 30 is MP's default).
const SEARCH_LIMIT: &str = "30";

/// A Mercado Pago API client (cheap to clone: the HTTP pool is shared).
#[derive(Clone)]
pub struct MercadoPagoClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
    timeout: Duration,
}

impl std::fmt::Debug for MercadoPagoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MercadoPagoClient")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl MercadoPagoClient {
    /// A client of the API at `base` (e.g. `https://api.mercadopago.com`) authenticating with
    /// `token`; every call gives up after `timeout`.
    pub fn new(base: &str, token: Secret, timeout: Duration) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("cabanas/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(Box::new(e)))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
            timeout,
        })
    }

    /// The limit of each call: how long a caller may wait for another's call to finish.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The client the settings describe (`MERCADOPAGO_*`).
    pub fn from_settings(settings: &Settings) -> Result<Self> {
        Self::new(
            &settings.mercadopago_api_base,
            settings.mercadopago_access_token.clone(),
            Duration::from_secs(settings.mercadopago_timeout_seconds),
        )
    }

    /// Creates a Checkout Pro preference (`POST /checkout/preferences`).
    ///
    /// `idempotency_key` goes in `X-Idempotency-Key`, so a retried call after a lost answer
    /// returns the same preference instead of creating a second one.
    pub async fn create_preference(
        &self,
        body: &PreferenceRequest,
        idempotency_key: &str,
    ) -> Result<Preference> {
        let request = self
            .request(Method::POST, "/checkout/preferences")
            .header("X-Idempotency-Key", idempotency_key)
            .json(body);
        let bytes = self.send(CREATE_PREFERENCE, request).await?;
        serde_json::from_slice(&bytes).map_err(|source| {
            Error::Internal(Box::new(MercadoPagoError::Decode {
                operation: CREATE_PREFERENCE,
                source,
            }))
        })
    }

    /// The current state of a payment (`GET /v1/payments/{id}`).
    ///
    /// `id` must be Mercado Pago's numeric id; anything else is `Invalid` without a request.
    pub async fn get_payment(&self, id: &str) -> Result<Payment> {
        let id = id.trim();
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "payment_id",
                "invalid_payment_id",
                "a Mercado Pago payment id is a number",
            ));
        }
        let request = self.request(Method::GET, &format!("/v1/payments/{id}"));
        let bytes = self.send(GET_PAYMENT, request).await?;
        Payment::from_json(&bytes).map_err(|source| {
            Error::Internal(Box::new(MercadoPagoError::Decode {
                operation: GET_PAYMENT,
                source,
            }))
        })
    }

    /// The payments whose `external_reference` is `reference` (our reservation code), newest
    /// first (`GET /v1/payments/search`). The reconciliation poll uses it to find payments
    /// whose notification never arrived. An unreadable answer is `Internal`.
    pub async fn search_payments(&self, reference: &str) -> Result<Vec<Payment>> {
        // Our references are reservation codes; anything else would need URL encoding.
        if reference.is_empty() || !reference.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid(
                "external_reference",
                "invalid_reference",
                "a reservation code is letters and digits",
            ));
        }
        let path = format!(
            "/v1/payments/search?external_reference={reference}&sort=date_created\
             &criteria=desc&limit={SEARCH_LIMIT}"
        );
        let request = self.request(Method::GET, &path);
        let bytes = self.send(SEARCH_PAYMENTS, request).await?;
        wire::search_results(&bytes).map_err(|source| {
            Error::Internal(Box::new(MercadoPagoError::Decode {
                operation: SEARCH_PAYMENTS,
                source,
            }))
        })
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .header("Accept", "application/json")
    }

    async fn send(&self, operation: &'static str, request: RequestBuilder) -> Result<Vec<u8>> {
        let started = Instant::now();
        let transport = |source| {
            metrics::counter!("mercadopago_request_total", "operation" => operation, "outcome" => "unavailable")
                .increment(1);
            tracing::warn!(operation, error = %source, "Mercado Pago unreachable");
            Error::Unavailable(Box::new(MercadoPagoError::Transport { operation, source }))
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(transport)?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if (200..300).contains(&status) {
            metrics::counter!("mercadopago_request_total", "operation" => operation, "outcome" => "ok")
                .increment(1);
            tracing::debug!(operation, status, elapsed_ms, "Mercado Pago answered");
            return Ok(body.to_vec());
        }
        metrics::counter!("mercadopago_request_total", "operation" => operation, "outcome" => "error")
            .increment(1);
        let error = classify_status(operation, status, &body);
        tracing::warn!(operation, status, elapsed_ms, error = %error.chain(), "Mercado Pago refused");
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_and_throttling_are_retryable() {
        for status in [429, 500, 502, 503, 504] {
            assert!(
                matches!(
                    classify_status(GET_PAYMENT, status, b"{}"),
                    Error::Unavailable(_)
                ),
                "{status}"
            );
        }
    }

    #[test]
    fn a_missing_payment_is_not_found() {
        let body =
            br#"{"message":"Payment not found","error":"not_found","status":404,"cause":[]}"#;
        assert!(matches!(
            classify_status(GET_PAYMENT, 404, body),
            Error::NotFound("mercadopago payment")
        ));
    }

    #[test]
    fn other_client_errors_are_permanent_and_keep_the_message() {
        let body = br#"{"message":"invalid access token","error":"unauthorized","status":401}"#;
        let error = classify_status(CREATE_PREFERENCE, 401, body);
        assert!(matches!(error, Error::Internal(_)));
        assert!(error.chain().contains("401"), "{}", error.chain());
        assert!(error.chain().contains("invalid access token"));
        assert!(matches!(
            classify_status(CREATE_PREFERENCE, 400, b"not json"),
            Error::Internal(_)
        ));
    }

    #[test]
    fn debug_never_prints_the_token() {
        let client = MercadoPagoClient::new(
            "http://127.0.0.1:1/",
            Secret::new("APP_USR-very-secret"),
            Duration::from_secs(1),
        )
        .expect("client");
        let debug = format!("{client:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("http://127.0.0.1:1"), "{debug}");
    }
}
