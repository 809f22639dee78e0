//! The secret token in an accommodation's iCal export URL.

use std::fmt;

use sea_orm::DeriveValueType;

/// Whoever holds it can read the accommodation's calendar, so its `Debug` never prints it (an
/// accommodation row in a log line or a panic message must not leak it).
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct IcalToken(String);

impl IcalToken {
    /// A new random token: 48 hex characters (192 bits) from the OS generator.
    pub fn random() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// The token, for the export URL and the owner's view.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this token, compared in constant time (a wrong guess takes as
    /// long however many leading characters it got right).
    pub fn matches(&self, candidate: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for IcalToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IcalToken([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_never_shown_by_debug() {
        let token = IcalToken::random();
        assert_eq!(token.as_str().len(), 48);
        assert!(token.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(token, IcalToken::random());
        let shown = format!("{token:?}");
        assert_eq!(shown, "IcalToken([redacted])");
        assert!(!shown.contains(token.as_str()));
    }

    #[test]
    fn a_token_matches_only_itself() {
        let token = IcalToken::random();
        assert!(token.matches(token.as_str()));
        assert!(!token.matches(&token.as_str()[1..]));
        assert!(!token.matches(IcalToken::random().as_str()));
        assert!(!token.matches(""));
    }
}
