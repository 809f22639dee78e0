//! Small helpers for reading poem test responses (headers and JSON bodies).

use poem::test::TestResponse;
use serde_json::Value;

/// A response header as text.
pub fn header(resp: &TestResponse, name: &str) -> Option<String> {
    resp.0
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A numeric response header.
pub fn header_u64(resp: &TestResponse, name: &str) -> Option<u64> {
    header(resp, name).and_then(|v| v.parse().ok())
}

/// The status code.
pub fn status(resp: &TestResponse) -> u16 {
    resp.0.status().as_u16()
}

/// The body as JSON.
pub async fn json(resp: TestResponse) -> Value {
    resp.0
        .into_body()
        .into_json::<Value>()
        .await
        .expect("JSON body")
}
