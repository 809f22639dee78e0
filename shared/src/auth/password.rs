//! Argon2id password hashes in PHC string form.

use std::{fmt, sync::OnceLock};

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};
use sea_orm::DeriveValueType;

use crate::{Error, Result};

/// A stored Argon2id PHC string. Its `Debug` prints only the algorithm, so an admin row can be
/// logged or shown in a panic message without handing out material for an offline attack.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The PHC string, for the database and for verification.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let algorithm = self.0.split('$').nth(1).unwrap_or("?");
        write!(f, "PasswordHash(${algorithm}$[redacted])")
    }
}

/// Shortest password accepted for an admin.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes a password with Argon2id, a random salt and the library's recommended parameters.
pub fn hash(password: &str) -> Result<PasswordHash> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            "password",
            "too_short",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}").into()))
}

/// Whether `password` matches the stored PHC `hash` (false for a malformed hash).
pub fn verify(password: &str, hash: &PasswordHash) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash.as_str())
        .is_ok()
}

/// Spends the same work as a real check, for unknown or refused accounts, so that answers
/// take the same time whether or not the email exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hash("dummy-password-for-timing").unwrap_or_else(|_| PasswordHash(String::new()))
    });
    let _ = verify(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.as_str().starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterx", &h));
        assert!(!verify(
            "anything",
            &PasswordHash("not-a-phc-string".into())
        ));
    }

    #[test]
    fn the_debug_output_of_a_hash_names_the_algorithm_only() {
        let h = hash("correct horse battery").expect("hash");
        let salt_and_hash = h.as_str().rsplit('$').next().expect("hash part");
        let shown = format!("{h:?}");
        assert_eq!(shown, "PasswordHash($argon2id$[redacted])");
        assert!(!shown.contains(salt_and_hash));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(hash("short").is_err());
    }
}
