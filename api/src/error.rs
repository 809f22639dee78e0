//! The HTTP error type: every error body is `{code, message, details?, trace_id}`.
//!
//! `ApiError` lists every status the API can return, so the OpenAPI document shows them;
//! [`catch_all`] gives errors raised outside handlers (unknown paths, wrong methods, oversized
//! bodies, malformed requests) the same shape.

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::{ApiResponse, Object, payload::Json};
use shared::{Error, FieldError};

use crate::middleware::trace_id;

/// One invalid field.
#[derive(Debug, Clone, Object)]
pub struct FieldErrorBody {
    /// The field as the client named it.
    pub field: String,
    /// Machine-readable reason.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl From<FieldError> for FieldErrorBody {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            code: e.code,
            message: e.message,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ErrorBody {
    /// Stable machine-readable code (`date_overlap`, `validation_error`, `not_found`, ...).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Per-field problems (validation errors only).
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Vec<FieldErrorBody>>,
    /// The request's trace id (also in the `X-Request-ID` response header).
    pub trace_id: String,
}

impl ErrorBody {
    /// An error body for the current request.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            details: None,
            trace_id: trace_id::current(),
        }
    }
}

impl poem_openapi::types::Example for ErrorBody {
    fn example() -> Self {
        Self {
            code: "date_overlap".into(),
            message: "those nights are already taken for this accommodation".into(),
            details: None,
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
        }
    }
}

/// Every error status of the API.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "bad_request")]
pub enum ApiError {
    /// Malformed request: bad JSON, wrong types, bad parameters.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing, invalid, expired or revoked credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated, but not allowed.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Not found.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Conflicts with stored state (`date_overlap`, `invalid_transition`).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Body larger than allowed.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// Content type not accepted.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Well-formed but invalid input (`validation_error`, one entry per field in `details`).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many requests (`rate_limited`) or too many active holds (`too_many_holds`, the
    /// limit hit in `details`); `Retry-After` says when to try again, when known.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorBody>,
        /// Seconds until a retry may succeed.
        #[oai(header = "Retry-After")]
        Option<u64>,
    ),
    /// Unexpected failure; the body carries only the trace id.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A dependency (database, Redis) is unavailable; retry later.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

impl ApiError {
    /// 422 with the given field errors.
    pub fn validation(details: Vec<FieldError>) -> Self {
        let mut body = ErrorBody::new("validation_error", "the request has invalid fields");
        body.details = Some(details.into_iter().map(Into::into).collect());
        Self::Unprocessable(Json(body))
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::NotFound(what) => Self::NotFound(Json(ErrorBody::new(
                "not_found",
                format!("{what} not found"),
            ))),
            Error::Conflict { kind, message } => {
                Self::Conflict(Json(ErrorBody::new(kind.code(), message)))
            }
            Error::Invalid(details) => Self::validation(details),
            Error::Unauthorized => Self::Unauthorized(Json(ErrorBody::new(
                "invalid_credentials",
                "invalid email or password, or the account is temporarily locked",
            ))),
            Error::Forbidden => Self::Forbidden(Json(ErrorBody::new(
                "forbidden",
                "this action is not allowed",
            ))),
            Error::TooMany {
                code,
                message,
                details,
                retry_after_seconds,
            } => {
                let mut body = ErrorBody::new(code, message);
                body.details = Some(details.into_iter().map(Into::into).collect());
                Self::TooManyRequests(Json(body), retry_after_seconds)
            }
            Error::Unavailable(source) => {
                tracing::warn!(error = %source, "dependency unavailable");
                Self::Unavailable(Json(ErrorBody::new(
                    "service_unavailable",
                    "a dependency is unavailable, please retry shortly",
                )))
            }
            Error::Internal(source) => {
                tracing::error!(error = ?source, "internal error");
                Self::Internal(Json(ErrorBody::new(
                    "internal_error",
                    "something went wrong; quote the trace id when reporting it",
                )))
            }
        }
    }
}

fn bad_request(err: poem::Error) -> ApiError {
    let message = err.to_string();
    match err.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(Json(ErrorBody::new(
            "payload_too_large",
            "the request body is too large",
        ))),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType(Json(ErrorBody::new("unsupported_media_type", message)))
        }
        _ => ApiError::BadRequest(Json(ErrorBody::new("bad_request", message))),
    }
}

/// Turns any error that escaped a handler into the uniform JSON body.
pub async fn catch_all(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this method is not allowed on this path".to_string(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is too large".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", err.to_string()),
        StatusCode::UNAUTHORIZED => ("unauthorized", "authentication required".to_string()),
        StatusCode::FORBIDDEN => ("forbidden", "not allowed".to_string()),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests".to_string()),
        s if s.is_client_error() => ("bad_request", err.to_string()),
        _ => {
            tracing::error!(error = %err, "unhandled error");
            ("internal_error", "something went wrong".to_string())
        }
    };
    Json(ErrorBody::new(code, message))
        .with_status(status)
        .into_response()
}
