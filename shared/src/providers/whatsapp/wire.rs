//! The Graph API's answers and how a failed answer is classified.
//!
//! Graph's error body is `{"error": {"message", "type", "code", "error_subcode",
//! "error_data": {"details"}, "fbtrace_id"}}`. Classification, in order:
//! * code 131047 (re-engagement: more than 24 hours since the guest last wrote) →
//!   [`Failure::WindowClosed`]: the caller sends the approved template instead;
//! * HTTP 429 or 5xx, or a throttling / temporary code whatever the status (4, 80007,
//!   130429, 131000, 131016) → [`Failure::Retryable`];
//! * anything else (bad token, bad parameter, unknown recipient) → [`Failure::Permanent`].

use serde::Deserialize;

/// Graph's error code when the 24-hour customer-service window is closed.
pub const REENGAGEMENT: i64 = 131_047;

/// Codes that mean "try again later" even when the HTTP status is 400: application and
/// business-number throttling, "something went wrong", "service unavailable".
const TEMPORARY_CODES: &[i64] = &[4, 80_007, 130_429, 131_000, 131_016];

/// Longest provider message kept in an error.
const MAX_MESSAGE_CHARS: usize = 200;

/// Why a call to the Graph API failed (the source of the `shared::Error`).
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with an error status.
    #[error("Graph API answered {status} to {operation} (code {code:?}): {message}")]
    Status {
        /// What we asked for.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Graph's `error.code`, when the body had one.
        code: Option<i64>,
        /// Graph's `error.message` and details (truncated), or the start of the body.
        message: String,
    },
    /// No usable answer: timeout, connection failure, interrupted body.
    #[error("Graph API {operation} failed in transport")]
    Transport {
        /// What we asked for.
        operation: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A success answer we could not read (or that points somewhere we will not go).
    #[error("Graph API {operation} answer could not be used: {reason}")]
    Decode {
        /// What we asked for.
        operation: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The circuit breaker is open: no request was made.
    #[error("Graph API circuit open: failing fast for another {remaining_ms} ms")]
    CircuitOpen {
        /// Time until a probe is allowed.
        remaining_ms: u64,
    },
    /// The media is larger than `WHATSAPP_MAX_MEDIA_BYTES`.
    #[error("media of {size} bytes exceeds the limit of {limit} bytes")]
    MediaTooLarge {
        /// Size announced or read so far.
        size: u64,
        /// The limit.
        limit: usize,
    },
}

/// What the caller should do about a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Try again later (after a backoff).
    Retryable,
    /// The 24-hour window is closed: only a template may be sent.
    WindowClosed,
    /// It will fail again: a person must look (configuration, bug, bad recipient).
    Permanent,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// Classifies an error answer (see the module docs).
pub fn classify(operation: &'static str, status: u16, body: &[u8]) -> (Failure, GraphError) {
    let parsed = serde_json::from_slice::<ErrorEnvelope>(body).ok();
    let code = parsed.as_ref().and_then(|e| e.error.code);
    let message = match parsed {
        Some(ErrorEnvelope { error }) => {
            let details = error.error_data.and_then(|d| d.details);
            match (error.message, details) {
                (Some(m), Some(d)) => format!("{m} ({d})"),
                (Some(m), None) => m,
                (None, Some(d)) => d,
                (None, None) => String::new(),
            }
        }
        None => String::from_utf8_lossy(body).into_owned(),
    }
    .chars()
    .take(MAX_MESSAGE_CHARS)
    .collect();
    let failure = match (status, code) {
        (_, Some(REENGAGEMENT)) => Failure::WindowClosed,
        (429 | 500..=599, _) => Failure::Retryable,
        (_, Some(code)) if TEMPORARY_CODES.contains(&code) => Failure::Retryable,
        _ => Failure::Permanent,
    };
    let error = GraphError::Status {
        operation,
        status,
        code,
        message,
    };
    (failure, error)
}

/// The answer to a send: `{"messaging_product", "contacts": [{"input", "wa_id"}],
/// "messages": [{"id": "wamid…"}]}`.
#[derive(Deserialize)]
pub struct SendAnswer {
    messages: Vec<SentId>,
}

#[derive(Deserialize)]
struct SentId {
    id: String,
}

impl SendAnswer {
    /// The wamid of the message sent (`messages[0].id`), when it looks like one.
    pub fn wamid(bytes: &[u8]) -> Result<String, String> {
        let answer: SendAnswer = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let id = answer
            .messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or("no messages[0].id")?;
        if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
            return Err("messages[0].id is not a wamid".into());
        }
        Ok(id)
    }
}

/// The answer to `GET /{media-id}`: where to download the file and what it is.
#[derive(Clone, Debug, Deserialize)]
pub struct MediaInfo {
    /// A short-lived URL (about 5 minutes) that needs the bearer token.
    pub url: String,
    /// The file's type, e.g. `audio/ogg; codecs=opus`.
    #[serde(default)]
    pub mime_type: String,
    /// Size in bytes as Meta announces it.
    #[serde(default)]
    pub file_size: Option<u64>,
    /// Meta's SHA-256 of the file.
    #[serde(default)]
    pub sha256: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_error(code: i64) -> Vec<u8> {
        format!(
            r#"{{"error":{{"message":"(#{code}) Something","type":"OAuthException","code":{code},
               "error_data":{{"messaging_product":"whatsapp","details":"Details here"}},
               "fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn reengagement_means_the_window_is_closed() {
        let (failure, error) = classify("send", 400, &graph_error(131_047));
        assert_eq!(failure, Failure::WindowClosed);
        let text = error.to_string();
        assert!(
            text.contains("131047") && text.contains("Details here"),
            "{text}"
        );
    }

    #[test]
    fn server_errors_throttling_and_temporary_codes_are_retryable() {
        for status in [429, 500, 502, 503, 504] {
            assert_eq!(
                classify("send", status, b"oops").0,
                Failure::Retryable,
                "{status}"
            );
        }
        for code in [4, 80_007, 130_429, 131_000, 131_016] {
            assert_eq!(
                classify("send", 400, &graph_error(code)).0,
                Failure::Retryable,
                "{code}"
            );
        }
    }

    #[test]
    fn other_client_errors_are_permanent() {
        for (status, code) in [(401, 190), (400, 100), (400, 131_026), (404, 100)] {
            assert_eq!(
                classify("send", status, &graph_error(code)).0,
                Failure::Permanent
            );
        }
        assert_eq!(
            classify("send", 400, b"\xff\xfe not json").0,
            Failure::Permanent
        );
    }

    #[test]
    fn the_wamid_is_messages_zero_id() {
        let body = br#"{"messaging_product":"whatsapp","contacts":[{"input":"5491155550000","wa_id":"5491155550000"}],"messages":[{"id":"wamid.HBgLNTQ5MTE1NTU1MDAwMBUCABEYEjQ="}]}"#;
        assert_eq!(
            SendAnswer::wamid(body).expect("valid"),
            "wamid.HBgLNTQ5MTE1NTU1MDAwMBUCABEYEjQ="
        );
        assert!(SendAnswer::wamid(br#"{"messages":[]}"#).is_err());
        assert!(SendAnswer::wamid(b"[]").is_err());
    }
}
