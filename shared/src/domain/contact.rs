//! A guest's contact data: name, phone (E.164) and email.
//!
//! Each is also the type of its `reservations` column, read back as the row holds it, never
//! parsed again, because reading a row must not fail for a value the database accepts:
//! `guest_name` and `guest_email` have no CHECK, so they are looser than the parsers (rows
//! imported from the system this replaces may hold anything), while `guest_phone`'s CHECK
//! (`^\+[1-9][0-9]{7,14}$`) admits exactly what [`PhoneNumber::parse`] returns (a property
//! test holds the two together). Everything this code writes went through `parse` first.

use std::fmt;

use sea_orm::DeriveValueType;

use crate::{error::FieldError, mask};

/// A guest's name: 2 to 100 characters with at least one letter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveValueType)]
pub struct GuestName(String);

impl GuestName {
    /// Trims and checks a name; `field` names the input in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = name.chars().count();
        if len == 0 {
            return Err(FieldError::new(
                field,
                "required",
                "the guest's name is required",
            ));
        }
        if !(2..=100).contains(&len) || !name.chars().any(char::is_alphabetic) {
            return Err(FieldError::new(
                field,
                "invalid_name",
                "the name must have 2 to 100 characters and at least one letter",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "invalid_name",
                "the name has control characters",
            ));
        }
        Ok(Self(name))
    }

    /// A name as the system this replaces stored it: parsed when it parses, else kept as it
    /// was (whitespace normalised; the column has no CHECK, see the module's note), so an
    /// imported booking is never lost over its guest's name.
    pub fn imported(raw: &str) -> Self {
        Self::parse("guest_name", raw)
            .unwrap_or_else(|_| Self(raw.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    /// The name as given (whitespace normalised).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<GuestName> for String {
    fn from(name: GuestName) -> Self {
        name.0
    }
}

/// A phone number in E.164 form (`+5491112345678`).
///
/// Accepts what guests type: spaces, dashes, dots and parentheses are ignored; `00` counts as
/// `+`; a WhatsApp id (country code without `+`) is accepted; a 10-digit Argentine national
/// number (area code + subscriber, e.g. `11 1234-5678`) is taken as a mobile (`+54 9 ...`).
#[derive(Clone, PartialEq, Eq, Hash, DeriveValueType)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Normalises and checks a phone number; `field` names the input in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                field,
                "required",
                "a phone number is required",
            ));
        }
        let invalid = || {
            FieldError::new(
                field,
                "invalid_phone",
                "the phone number must be in international form, e.g. +5491112345678",
            )
        };
        let compact: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
            (true, rest.to_string())
        } else if let Some(rest) = compact.strip_prefix("00") {
            (true, rest.to_string())
        } else {
            (false, compact)
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let e164_digits = if international || (digits.len() >= 11 && !digits.starts_with('0')) {
            digits
        } else if digits.len() == 10 && !digits.starts_with('0') {
            format!("549{digits}")
        } else {
            return Err(invalid());
        };
        if !(8..=15).contains(&e164_digits.len()) || e164_digits.starts_with('0') {
            return Err(invalid());
        }
        Ok(Self(format!("+{e164_digits}")))
    }

    /// The E.164 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", mask::phone(&self.0))
    }
}

/// An email address, lower-cased.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct Email(String);

impl Email {
    /// Checks the shape of an address (one `@`, a dotted domain, no spaces, ≤ 254 characters).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if valid {
            Ok(Self(email))
        } else {
            Err(FieldError::new(
                field,
                "invalid_email",
                "the email address is not valid",
            ))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", mask::email(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(raw: &str) -> Result<String, String> {
        PhoneNumber::parse("guest_phone", raw)
            .map(|p| p.as_str().to_string())
            .map_err(|e| e.code)
    }

    #[test]
    fn phone_numbers_are_normalised_to_e164() {
        assert_eq!(phone("+54 9 11 1234-5678"), Ok("+5491112345678".into()));
        assert_eq!(phone("5491112345678"), Ok("+5491112345678".into()));
        assert_eq!(phone("0054 9 294 400-0000"), Ok("+5492944000000".into()));
        assert_eq!(phone("(11) 1234-5678"), Ok("+5491112345678".into()));
        assert_eq!(phone("+1 (415) 555-0100"), Ok("+14155550100".into()));
    }

    #[test]
    fn bad_phone_numbers_are_refused() {
        assert_eq!(phone(""), Err("required".into()));
        for bad in [
            "abc",
            "+54 11 abc",
            "12345",
            "+1234567890123456",
            "011 1234 5678",
            "+",
        ] {
            assert_eq!(phone(bad), Err("invalid_phone".into()), "{bad}");
        }
    }

    #[test]
    fn phone_debug_output_is_masked() {
        let p = PhoneNumber::parse("p", "+5491112345678").expect("phone");
        assert_eq!(format!("{p:?}"), "PhoneNumber(+549******5678)");
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            Email::parse("e", " Guest@Example.COM ").map(|e| e.as_str().to_string()),
            Ok("guest@example.com".to_string())
        );
        for bad in [
            "",
            "guest",
            "guest@",
            "@example.com",
            "a@b",
            "a b@c.com",
            "a@@b.com",
            "a@b..com",
        ] {
            assert!(Email::parse("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(
            GuestName::parse("n", "  Martín   Pérez ").map(|n| n.as_str().to_string()),
            Ok("Martín Pérez".to_string())
        );
        assert_eq!(
            GuestName::parse("n", " ").map_err(|e| e.code),
            Err("required".into())
        );
        assert!(GuestName::parse("n", "1").is_err());
        assert!(GuestName::parse("n", "123").is_err());
        assert!(GuestName::parse("n", &"a".repeat(101)).is_err());
    }
}
