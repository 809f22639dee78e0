//! A stand-in for the Mercado Pago API: a poem server on 127.0.0.1:0 inside the test process
//! that records every request and answers in Mercado Pago's real formats (built from the
//! fixtures in `tests/fixtures/mercadopago/`).
//!
//! * `POST /checkout/preferences` → 201 with a new preference echoing the request (unless
//!   told to fail with [`MercadoPagoStub::fail_preferences`]);
//! * `GET /v1/payments/{id}` → whatever [`MercadoPagoStub::set_payment`] configured (the
//!   payment's *current* state), else Mercado Pago's 404 body;
//! * `GET /v1/payments/search?external_reference=..` → the configured payments (answered 200)
//!   with that `external_reference`, newest id first, in Mercado Pago's
//!   `{"paging": {..}, "results": [..]}` format.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use poem::{
    Body, EndpointExt, IntoResponse, Request, Response, Route, handler, http::StatusCode, web::Data,
};
use serde_json::{Value, json};
use tokio::{sync::Semaphore, task::JoinHandle};

/// Mercado Pago's payment document (`GET /v1/payments/{id}`), as the fixture has it.
pub const PAYMENT_FIXTURE: &str = include_str!("../../fixtures/mercadopago/payment_approved.json");
/// Mercado Pago's preference document (`POST /checkout/preferences`), as the fixture has it.
pub const PREFERENCE_FIXTURE: &str =
    include_str!("../../fixtures/mercadopago/preference_response.json");

/// How the stub answers one kind of request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// This status and JSON body.
    Json(u16, Value),
    /// Never answer (the client's timeout fires).
    Hang,
}

/// One request the stub received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// The JSON body (`Null` when there was none).
    pub body: Value,
}

impl RecordedRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Default)]
struct StubState {
    requests: Vec<RecordedRequest>,
    payments: HashMap<String, Reply>,
    preference_reply: Option<Reply>,
    preference_gate: Option<Arc<Semaphore>>,
}

type Shared = Arc<Mutex<StubState>>;

/// The running stand-in; the server stops when this is dropped.
pub struct MercadoPagoStub {
    url: String,
    state: Shared,
    task: JoinHandle<()>,
}

impl MercadoPagoStub {
    /// Starts a stub on a free local port.
    pub async fn start() -> Self {
        let (acceptor, url) = super::local_http::bind("Mercado Pago stub").await;
        let state = Shared::default();
        let app = Route::new().at("/*path", serve).data(state.clone());
        let task = super::local_http::serve(acceptor, app);
        Self { url, state, task }
    }

    /// Base URL to put in `MERCADOPAGO_API_BASE`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    fn lock(&self) -> MutexGuard<'_, StubState> {
        self.state.lock().expect("stub state")
    }

    /// Serves `payment` (a payment document) as payment `id`'s current state.
    pub fn set_payment(&self, id: &str, payment: Value) {
        self.set_payment_reply(id, Reply::Json(200, payment));
    }

    /// Answers `GET /v1/payments/{id}` with `reply`.
    pub fn set_payment_reply(&self, id: &str, reply: Reply) {
        self.lock().payments.insert(id.to_owned(), reply);
    }

    /// Answers `POST /checkout/preferences` with `reply` (`None`: create preferences again).
    pub fn fail_preferences(&self, reply: Option<Reply>) {
        self.lock().preference_reply = reply;
    }

    /// Holds every preference answer until [`MercadoPagoStub::open_preference_gate`].
    pub fn close_preference_gate(&self) {
        self.lock().preference_gate = Some(Arc::new(Semaphore::new(0)));
    }

    /// Releases held preference answers (and stops holding new ones).
    pub fn open_preference_gate(&self) {
        if let Some(gate) = self.lock().preference_gate.take() {
            gate.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The `POST /checkout/preferences` requests received.
    pub fn preference_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == "/checkout/preferences")
            .collect()
    }
}

impl Drop for MercadoPagoStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[handler]
async fn serve(req: &Request, body: Body, Data(state): Data<&Shared>) -> Response {
    let bytes = body.into_vec().await.unwrap_or_default();
    let recorded = RecordedRequest {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    };
    let (reply, gate) = {
        let mut state = state.lock().expect("stub state");
        state.requests.push(recorded.clone());
        let gate = state.preference_gate.clone();
        let reply = match (recorded.method.as_str(), recorded.path.as_str()) {
            ("POST", "/checkout/preferences") => state
                .preference_reply
                .clone()
                .unwrap_or_else(|| Reply::Json(201, preference_for(&recorded.body))),
            ("GET", "/v1/payments/search") => {
                search(&state.payments, req.uri().query().unwrap_or_default())
            }
            ("GET", path) if path.starts_with("/v1/payments/") => {
                let id = &path["/v1/payments/".len()..];
                state.payments.get(id).cloned().unwrap_or_else(not_found)
            }
            _ => not_found(),
        };
        (reply, gate)
    };
    if let Some(gate) = gate.filter(|_| recorded.path == "/checkout/preferences") {
        let _permit = gate.acquire().await;
    }
    match reply {
        Reply::Json(status, body) => poem::web::Json(body)
            .with_status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .into_response(),
        Reply::Hang => {
            std::future::pending::<()>().await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

/// The answer of `GET /v1/payments/search` for a query string.
fn search(payments: &HashMap<String, Reply>, query: &str) -> Reply {
    let reference = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "external_reference")
        .map(|(_, value)| value.to_owned());
    let mut results: Vec<Value> = payments
        .values()
        .filter_map(|reply| match reply {
            Reply::Json(200, payment) => Some(payment.clone()),
            _ => None,
        })
        .filter(|payment| {
            reference.is_some() && payment["external_reference"].as_str() == reference.as_deref()
        })
        .collect();
    results.sort_by_key(|payment| std::cmp::Reverse(payment["id"].as_u64()));
    Reply::Json(
        200,
        json!({
            "paging": {"total": results.len(), "limit": 30, "offset": 0},
            "results": results,
        }),
    )
}

fn not_found() -> Reply {
    Reply::Json(
        404,
        json!({"message": "Payment not found", "error": "not_found", "status": 404,
               "cause": [{"code": 2000, "description": "Payment not found", "data": null}]}),
    )
}

/// A preference answer in Mercado Pago's format, echoing what was asked.
fn preference_for(request: &Value) -> Value {
    let mut preference: Value = serde_json::from_str(PREFERENCE_FIXTURE).expect("fixture");
    let id = format!("202809963-{}", uuid::Uuid::new_v4());
    preference["id"] = json!(id);
    preference["init_point"] = json!(format!(
        "https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id={id}"
    ));
    preference["sandbox_init_point"] = json!(format!(
        "https://sandbox.mercadopago.com.ar/checkout/v1/redirect?pref_id={id}"
    ));
    for key in [
        "external_reference",
        "items",
        "expires",
        "expiration_date_to",
        "notification_url",
    ] {
        if let Some(value) = request.get(key) {
            preference[key] = value.clone();
        }
    }
    preference
}

/// A payment document in Mercado Pago's format (from the fixture) with these values.
/// `amount` is written as a JSON number from its text, e.g. `"16200.35"`.
pub fn payment_json(id: &str, reference: &str, status: &str, amount: &str) -> Value {
    let mut payment: Value = serde_json::from_str(PAYMENT_FIXTURE).expect("fixture");
    payment["id"] = json!(id.parse::<u64>().expect("numeric payment id"));
    payment["external_reference"] = json!(reference);
    payment["status"] = json!(status);
    payment["status_detail"] = json!(match status {
        "approved" => "accredited",
        "refunded" => "refunded",
        "pending" => "pending_waiting_payment",
        "in_process" => "pending_contingency",
        "rejected" => "cc_rejected_insufficient_amount",
        "charged_back" => "settled",
        other => other,
    });
    payment["transaction_amount"] = serde_json::from_str(amount).expect("numeric amount");
    if status == "refunded" {
        payment["transaction_amount_refunded"] = payment["transaction_amount"].clone();
    }
    payment
}
