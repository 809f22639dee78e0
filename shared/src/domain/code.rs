//! Human-friendly reservation codes: `RES` + yymmdd + 6 random characters for ours, and the
//! codes of the system this replaces for the reservations imported from it.

use std::fmt;

use chrono::NaiveDate;
use rand::Rng;
use sea_orm::DeriveValueType;

/// Characters used for the random part: no 0/O or 1/I, so a code read aloud is unambiguous.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const RANDOM_LEN: usize = 6;
/// The longest code (the column of the system this replaces was `varchar(20)`).
pub const MAX_LEN: usize = 20;

/// A reservation code such as `RES260110K7QX2M`.
///
/// The random part comes from the OS random generator (32^6 ≈ 10^9 per day), so codes are never
/// guessable in sequence; a collision is caught by the unique constraint and retried.
///
/// It is also the type of `reservations.code`, read as stored without parsing again: the
/// column's CHECK (`^[A-Z0-9][A-Z0-9_-]{3,19}$`, wide enough for the imported codes of the
/// system this replaces) admits exactly the codes [`Self::parse`] returns (a property test in
/// `domain::proptests` holds the two together), so a stored code is one `parse` would have
/// produced.
#[derive(Clone, Debug, PartialEq, Eq, Hash, DeriveValueType)]
pub struct ReservationCode(String);

impl ReservationCode {
    /// A new random code for a reservation created on `date` (the business date).
    pub fn generate(date: NaiveDate) -> Self {
        let mut rng = rand::rng();
        let random: String = (0..RANDOM_LEN)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Self(format!("RES{}{random}", date.format("%y%m%d")))
    }

    /// Parses a code typed by a person (case-insensitive, surrounding spaces ignored): 4 to
    /// [`MAX_LEN`] letters, digits, `-` or `_`, starting with a letter or digit. Ours always
    /// have the generated shape; the wider one admits the imported codes of the system this
    /// replaces (`BLK…` blocks among them).
    ///
    /// Works on bytes, never on `str` indices: a code comes from a URL and may hold any
    /// UTF-8, and slicing a `str` inside a multi-byte character panics.
    pub fn parse(raw: &str) -> Option<Self> {
        let code = raw.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        let ok = (4..=MAX_LEN).contains(&bytes.len())
            && bytes[0].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        ok.then_some(Self(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<ReservationCode> for String {
    fn from(code: ReservationCode) -> Self {
        code.0
    }
}

impl fmt::Display for ReservationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_codes_have_the_documented_shape() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 10).expect("date");
        let code = ReservationCode::generate(date);
        assert!(code.as_str().starts_with("RES260110"), "{code}");
        assert_eq!(code.as_str().len(), 15);
        assert!(code.as_str()[9..].bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(ReservationCode::parse(code.as_str()), Some(code));
    }

    #[test]
    fn generated_codes_do_not_repeat() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 10).expect("date");
        let codes: HashSet<_> = (0..2000).map(|_| ReservationCode::generate(date)).collect();
        assert_eq!(codes.len(), 2000);
    }

    #[test]
    fn parse_accepts_typed_codes_and_rejects_others() {
        assert_eq!(
            ReservationCode::parse(" res260110a1b2c3 ").map(|c| c.to_string()),
            Some("RES260110A1B2C3".to_string())
        );
        assert_eq!(
            ReservationCode::parse("blk-2024_07").map(|c| c.to_string()),
            Some("BLK-2024_07".to_string()),
            "an imported code"
        );
        for bad in [
            "",
            "RES",
            "-RES1",
            "RES 1234",
            "RES.1234",
            "RES12345é12345",
            "RES260110A1B2Ç",
            "éééééééé",
            "RES260110A1B2C3D4E5F6G",
        ] {
            assert_eq!(ReservationCode::parse(bad), None, "{bad}");
        }
    }
}
