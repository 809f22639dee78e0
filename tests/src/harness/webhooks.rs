//! Provider fixtures (the exact bytes), signing, and posting signed webhooks in process.

use std::path::PathBuf;

use poem::{Response, endpoint::BoxEndpoint, http::StatusCode, test::TestClient};

/// Meta's app secret in tests (the fixtures README's worked example).
pub const WA_SECRET: &str = "test-app-secret";
/// Mercado Pago's webhook secret in tests (the fixtures README's worked example).
pub const MP_SECRET: &str = "test-mp-secret";
/// The handshake token in tests.
pub const VERIFY_TOKEN: &str = "test-verify-token";
/// Path of the WhatsApp webhook.
pub const WA_PATH: &str = "/api/v1/webhooks/whatsapp";
/// Path of the Mercado Pago webhook.
pub const MP_PATH: &str = "/api/v1/mercadopago/webhook";

/// The provider fixtures kept in the repository (`tests/fixtures`, described in its README).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The exact bytes of a fixture, e.g. `whatsapp/text_message.json`.
pub fn fixture(relative: &str) -> Vec<u8> {
    let path = fixtures_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()))
}

/// `X-Hub-Signature-256` of `body` under the test secret.
pub fn meta_signature(body: &[u8]) -> String {
    api::webhooks::signature::sign_meta(WA_SECRET, body)
}

/// Mercado Pago's `x-signature` for a manifest, under the test secret.
pub fn mp_signature(data_id: Option<&str>, request_id: Option<&str>, ts: &str) -> String {
    use api::webhooks::signature::mp_manifest;
    let manifest = mp_manifest(data_id, request_id, Some(ts));
    // sign_meta gives "sha256=<hex>" of the bytes; Mercado Pago wants the bare hex.
    let sig = api::webhooks::signature::sign_meta(MP_SECRET, manifest.as_bytes());
    format!("ts={ts},v1={}", sig.trim_start_matches("sha256="))
}

/// Mercado Pago's `ts` (milliseconds, as its documented examples) for `app`'s "now", so a
/// signed test notification is inside the replay tolerance.
pub fn mp_ts_now(app: &super::TestApp) -> String {
    use shared::clock::Clock;
    app.clock.now().timestamp_millis().to_string()
}

/// Moves `app`'s clock to the documented examples' `ts` (1742505638683 ms), so their fixed
/// signatures are fresh.
pub fn travel_to_mp_fixture_ts(app: &super::TestApp) {
    use shared::clock::Clock;
    let fixture = chrono::DateTime::from_timestamp_millis(1_742_505_638_683).expect("ts");
    app.clock.advance(fixture - app.clock.now());
}

/// A WhatsApp text message body from the guest `from` with message id `wamid`.
pub fn text_message(wamid: &str, from: &str, text: &str) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5492944000000", "phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Invitada"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": "1764000000",
                          "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

/// POSTs `body` to the WhatsApp webhook with `signature` (none when `None`).
pub async fn post_whatsapp(
    client: &TestClient<BoxEndpoint<'static, Response>>,
    body: Vec<u8>,
    signature: Option<String>,
) -> poem::test::TestResponse {
    let mut req = client
        .post(WA_PATH)
        .content_type("application/json")
        .body(body);
    if let Some(signature) = signature {
        req = req.header("X-Hub-Signature-256", signature);
    }
    req.send().await
}

/// POSTs a signed WhatsApp webhook.
pub async fn post_signed_whatsapp(
    client: &TestClient<BoxEndpoint<'static, Response>>,
    body: Vec<u8>,
) -> poem::test::TestResponse {
    let signature = meta_signature(&body);
    post_whatsapp(client, body, Some(signature)).await
}

/// The `code` of a JSON error body.
pub async fn error_code(resp: poem::test::TestResponse) -> String {
    let json = resp.json().await;
    json.value().object().get("code").string().to_owned()
}

/// The `webhook_event_id` a webhook was acknowledged with.
pub async fn acked_event_id(resp: poem::test::TestResponse) -> i64 {
    resp.json()
        .await
        .value()
        .object()
        .get("webhook_event_id")
        .i64()
}

/// Sends Mercado Pago's notification for payment `id`, signed as Mercado Pago does.
pub async fn post_mp_notification(app: &super::TestApp, id: &str, request_id: &str) -> StatusCode {
    let ts = mp_ts_now(app);
    let ts = ts.as_str();
    let body = format!(
        r#"{{"action":"payment.updated","api_version":"v1","data":{{"id":"{id}"}},"type":"payment"}}"#
    );
    app.client
        .post(MP_PATH)
        .query("data.id", &id)
        .query("type", &"payment")
        .header("x-request-id", request_id)
        .header("x-signature", mp_signature(Some(id), Some(request_id), ts))
        .content_type("application/json")
        .body(body)
        .send()
        .await
        .0
        .status()
}
