//! CSRF tokens of the dashboard's forms.
//!
//! A logged-in form carries `HMAC-SHA256(JWT_SECRET, "csrf:" + session id)`: another site can
//! neither read it nor compute it, and it dies with the session. The login form, before any
//! session, uses a double-submit token instead: a random value in a `SameSite=Strict` cookie
//! and in the form, compared on submit.

use hmac::{KeyInit, Mac};
use shared::config::Secret;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

fn mac(secret: &Secret, session_id: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"csrf:");
    mac.update(session_id.as_bytes());
    mac
}

/// The token of session `session_id` (the token's `jti`), as hex.
pub fn token(secret: &Secret, session_id: &str) -> String {
    hex::encode(mac(secret, session_id).finalize().into_bytes())
}

/// Whether `presented` is the token of `session_id` (constant-time comparison).
pub fn verify(secret: &Secret, session_id: &str, presented: &str) -> bool {
    hex::decode(presented).is_ok_and(|bytes| mac(secret, session_id).verify_slice(&bytes).is_ok())
}

/// A fresh random value for the login form's double-submit token (244 random bits, hex).
pub fn random() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Whether two double-submit values match (constant-time; both must be present and non-empty).
pub fn same(cookie: Option<&str>, field: &str) -> bool {
    use subtle::ConstantTimeEq;
    cookie.is_some_and(|c| !c.is_empty() && bool::from(c.as_bytes().ct_eq(field.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_belongs_to_its_session_and_secret() {
        let secret = Secret::new("s3cret");
        let t = token(&secret, "jti-1");
        assert!(verify(&secret, "jti-1", &t));
        assert!(!verify(&secret, "jti-2", &t));
        assert!(!verify(&Secret::new("other"), "jti-1", &t));
        assert!(!verify(&secret, "jti-1", "not hex"));
        assert!(!verify(&secret, "jti-1", ""));
    }

    #[test]
    fn double_submit_needs_both_halves() {
        assert!(same(Some("abc"), "abc"));
        assert!(!same(Some("abc"), "abd"));
        assert!(!same(None, "abc"));
        assert!(!same(Some(""), ""));
    }
}
