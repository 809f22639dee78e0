//! Argon2id password hashes in PHC string form.

use std::sync::OnceLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};

use crate::{Error, Result};

/// Shortest password accepted for an admin.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes a password with Argon2id, a random salt and the library's recommended parameters.
pub fn hash(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            "password",
            "too_short",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}").into()))
}

/// Whether `password` matches the stored PHC `hash` (false for a malformed hash).
pub fn verify(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Spends the same work as a real check, for unknown or refused accounts, so that answers
/// take the same time whether or not the email exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterx", &h));
        assert!(!verify("anything", "not-a-phc-string"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(hash("short").is_err());
    }
}
