//! Login and token types. Their `Debug` redacts the password and the token, so neither can
//! reach a log line or a panic message through `{:?}`.

use std::fmt;

use chrono::{DateTime, Utc};
use poem_openapi::Object;

/// Owner credentials.
#[derive(Clone, Object)]
pub struct LoginBody {
    /// Admin email.
    pub email: String,
    /// Password.
    #[oai(write_only)]
    pub password: String,
}

impl fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginBody")
            .field("email", &shared::mask::email(&self.email))
            .field("password", &"[redacted]")
            .finish()
    }
}

/// An access token for the admin API (send it as `Authorization: Bearer <token>`).
#[derive(Clone, Object)]
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

impl fmt::Debug for TokenView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenView")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_login_and_token_types_hides_the_secrets() {
        let body = LoginBody {
            email: "owner@cabanas.test".into(),
            password: "correct-horse-battery-staple".into(),
        };
        let token = TokenView {
            access_token: "eyJhbGciOiJIUzI1NiJ9.payload.signature".into(),
            token_type: "Bearer".into(),
            expires_at: Utc::now(),
            expires_in: 86400,
        };
        let shown = format!("{body:?} {token:?}");
        assert!(!shown.contains("correct-horse-battery-staple"), "{shown}");
        assert!(!shown.contains("owner@cabanas.test"), "{shown}");
        assert!(!shown.contains("eyJhbGciOiJIUzI1NiJ9"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
