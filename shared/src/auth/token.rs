//! Admin access tokens: HS256 JWTs with `sub`, `email`, `role`, `gen`, `scope`, `iat`, `exp`
//! and a `jti`.
//!
//! The signature only proves that we issued the token. Whether it still works is decided on
//! each request against PostgreSQL (`service::admin_sessions::check`): the account must be
//! active with the same role and token generation, and the `jti` not revoked by a logout.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::role::AdminRole;
use crate::{Error, Result, config::Secret, entities::admin_user, mask};

/// The scope every admin endpoint requires.
pub const ADMIN_SCOPE: &str = "admin";

/// What an admin token says. Tokens issued before `role` and `gen` existed fail to decode,
/// so they stop working (their holders log in again).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The admin user's uuid.
    pub sub: String,
    /// The admin's email.
    pub email: String,
    /// The admin's role when the token was issued (checked against the account on each use).
    pub role: AdminRole,
    /// The account's `token_generation` when the token was issued.
    #[serde(rename = "gen")]
    pub generation: i32,
    /// What the token allows (`admin`).
    pub scope: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Unique token id, for revocation.
    pub jti: String,
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("sub", &self.sub)
            .field("email", &mask::email(&self.email))
            .field("role", &self.role)
            .field("generation", &self.generation)
            .field("scope", &self.scope)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .finish_non_exhaustive()
    }
}

impl Claims {
    /// Claims for `admin` (its uuid, email, role and current token generation), valid for `ttl`
    /// from `now`.
    pub fn for_admin(admin: &admin_user::Model, now: DateTime<Utc>, ttl: Duration) -> Self {
        Self::new(
            admin.uuid,
            &admin.email,
            admin.role,
            admin.token_generation,
            now,
            ttl,
        )
    }

    /// Claims for `sub`/`email` with `role` at token `generation`, valid for `ttl` from `now`.
    pub fn new(
        sub: Uuid,
        email: &str,
        role: AdminRole,
        generation: i32,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Self {
        Self {
            sub: sub.to_string(),
            email: email.to_owned(),
            role,
            generation,
            scope: ADMIN_SCOPE.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: Uuid::new_v4().simple().to_string(),
        }
    }

    /// When the token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_default()
    }
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Bad signature, malformed, expired or otherwise unusable.
    Invalid,
    /// Valid, but not for this scope.
    WrongScope,
}

/// Signs claims.
pub fn issue(secret: &Secret, claims: &Claims) -> Result<String> {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )
    .map_err(|e| Error::Internal(Box::new(e)))
}

/// Checks signature, expiry (at `now`, no leeway) and scope.
pub fn verify(
    secret: &Secret,
    token: &str,
    now: DateTime<Utc>,
    scope: &str,
) -> std::result::Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked against the injected clock below, not the wall clock.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let claims = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.expose().as_bytes()),
        &validation,
    )
    .map_err(|_| TokenError::Invalid)?
    .claims;
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Invalid);
    }
    if claims.scope.split_whitespace().all(|s| s != scope) {
        return Err(TokenError::WrongScope);
    }
    Ok(claims)
}

/// A random 256-bit secret (hex), for development when `JWT_SECRET` is unset.
pub fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("0123456789abcdef0123456789abcdef")
    }

    fn claims(now: DateTime<Utc>) -> Claims {
        Claims::new(
            Uuid::nil(),
            "owner@example.com",
            AdminRole::Owner,
            0,
            now,
            Duration::hours(24),
        )
    }

    #[test]
    fn the_debug_output_of_claims_masks_the_email_and_omits_the_token_id() {
        let c = claims(Utc::now());
        let shown = format!("{c:?}");
        assert!(!shown.contains("owner@example.com"), "{shown}");
        assert!(!shown.contains(&c.jti), "{shown}");
        assert!(shown.contains("Owner"), "{shown}");
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let now = Utc::now();
        let c = claims(now);
        let token = issue(&secret(), &c).expect("issue");
        assert_eq!(verify(&secret(), &token, now, ADMIN_SCOPE), Ok(c));
        let later = now + Duration::hours(24);
        assert_eq!(
            verify(&secret(), &token, later, ADMIN_SCOPE),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tampered_or_foreign_tokens_are_invalid() {
        let now = Utc::now();
        let token = issue(&secret(), &claims(now)).expect("issue");
        let other = Secret::new("another-secret-another-secret-xx");
        assert_eq!(
            verify(&other, &token, now, ADMIN_SCOPE),
            Err(TokenError::Invalid)
        );
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert_eq!(
            verify(&secret(), &parts.join("."), now, ADMIN_SCOPE),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn a_token_without_the_scope_is_refused_as_wrong_scope() {
        let now = Utc::now();
        let mut c = claims(now);
        c.scope = "guest".into();
        let token = issue(&secret(), &c).expect("issue");
        assert_eq!(
            verify(&secret(), &token, now, ADMIN_SCOPE),
            Err(TokenError::WrongScope)
        );
    }
}
