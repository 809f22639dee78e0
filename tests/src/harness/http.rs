//! Reading poem test responses: status, headers and the body as JSON in one value.

use poem::{http::HeaderMap, test::TestResponse};
use serde_json::Value;

/// A response read to the end.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub text: String,
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
}

impl Reply {
    /// A header's value as text (`None` when absent or not text).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `x-request-id` header, which every response must carry.
    pub fn request_id(&self) -> &str {
        self.header("x-request-id")
            .unwrap_or_else(|| panic!("no x-request-id header on a {} response", self.status))
    }

    /// The sorted top-level keys of the JSON body.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .body
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    /// `(field, code)` of every entry of an error body's `details`, sorted.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        field_errors(&self.body)
    }
}

/// Reads `resp` to the end.
pub async fn reply(resp: TestResponse) -> Reply {
    let status = resp.0.status().as_u16();
    let headers = resp.0.headers().clone();
    let bytes = resp
        .0
        .into_body()
        .into_bytes()
        .await
        .expect("read the response body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        body,
    }
}

/// Sorted `(field, code)` pairs, for comparing with [`Reply::field_errors`].
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// `(field, code)` of every entry of error body `body`'s `details`, sorted.
pub fn field_errors(body: &serde_json::Value) -> Vec<(String, String)> {
    let mut errors: Vec<(String, String)> = body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details in {body}"))
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap_or_default().to_owned(),
                d["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    errors.sort();
    errors
}
