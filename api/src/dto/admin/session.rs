//! Login and token types.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

/// Owner credentials.
#[derive(Debug, Clone, Object)]
pub struct LoginBody {
    /// Admin email.
    pub email: String,
    /// Password.
    #[oai(write_only)]
    pub password: String,
}

/// An access token for the admin API (send it as `Authorization: Bearer <token>`).
#[derive(Debug, Clone, Object)]
pub struct TokenView {
    /// The JWT.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Seconds until then.
    pub expires_in: i64,
}
