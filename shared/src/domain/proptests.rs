//! Property tests over every parser of untrusted input in the domain: whatever a client
//! sends, each returns a value or a typed field error, and never panics. (Webhook payloads
//! and signature headers have their own, beside their parsers.)

use chrono::NaiveDate;
use proptest::prelude::*;

use super::{Email, GuestName, Money, PhoneNumber, ReservationCode, Stay, StayLimits, legacy};
use crate::mask;

/// Any text, weighted towards what breaks byte-indexed code: multi-byte characters,
/// combining marks, controls and digits.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[RES0-9A-Zéñ\u{301}\u{1F600} ]{0,20}",
        any::<String>(),
        "[+0-9 ().-]{0,24}",
    ]
}

/// Date-like text, including years chrono accepts but arithmetic must not touch.
fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (-262_144i32..262_144, 0u32..14, 0u32..33)
            .prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        (-262_144i32..262_144, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| format!("{y:+}-{m:02}-{d:02}")),
        (2020i32..2035, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        text(),
    ]
}

fn limits() -> StayLimits {
    StayLimits::new(
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
        60,
        18,
    )
}

proptest! {
    /// `reservations.code` is read without parsing: whatever its CHECK admits must be a code
    /// `parse` returns unchanged.
    #[test]
    fn every_code_the_column_admits_parses_to_itself(stored in "[A-Z0-9][A-Z0-9_-]{3,19}") {
        let parsed = ReservationCode::parse(&stored).map(String::from);
        prop_assert_eq!(parsed, Some(stored));
    }

    /// `reservations.guest_phone` is read without parsing, likewise.
    #[test]
    fn every_phone_the_column_admits_parses_to_itself(stored in "\\+[1-9][0-9]{7,14}") {
        let parsed = PhoneNumber::parse("guest_phone", &stored).map(|p| p.as_str().to_owned());
        prop_assert_eq!(parsed, Ok(stored));
    }

    #[test]
    fn reservation_codes_parse_only_to_the_documented_shape(raw in text()) {
        if let Some(code) = ReservationCode::parse(&raw) {
            let s = code.as_str();
            prop_assert!((4..=20).contains(&s.len()), "{s}");
            prop_assert!(s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_'), "{s}");
        }
    }

    /// The free-form phones and notes of the system this replaces: a phone read from them is
    /// one the column admits, and no text panics.
    #[test]
    fn legacy_phones_and_notes_never_panic(raw in text()) {
        if let Some(phone) = legacy::phone(&raw) {
            let reparsed = PhoneNumber::parse("guest_phone", phone.as_str());
            prop_assert_eq!(reparsed.map(|p| p.as_str().to_owned()), Ok(phone.as_str().to_owned()));
        }
        let markers = legacy::note_markers(Some(&raw));
        prop_assert!(markers.text.is_none_or(|text| !text.is_empty()));
    }

    #[test]
    fn stays_parse_or_name_the_bad_fields(check_in in date_text(), check_out in date_text()) {
        match Stay::parse_new(&check_in, &check_out, limits()) {
            Ok(stay) => {
                prop_assert!(stay.check_in() < stay.check_out());
                prop_assert!(stay.nights() <= 60);
                prop_assert!(stay.check_in() <= limits().latest_check_in);
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| e.field == "check_in" || e.field == "check_out"));
            }
        }
    }

    #[test]
    fn calendar_months_parse_to_a_supported_first_day_or_a_422(raw in date_text()) {
        let month = raw.get(..raw.len().saturating_sub(3)).unwrap_or(&raw);
        match crate::service::calendar::parse_month(month) {
            Ok(first) => {
                prop_assert!(super::date::is_supported(first));
                let next = crate::service::calendar::next_month(first);
                prop_assert!(next > first);
            }
            Err(crate::Error::Invalid(errors)) => prop_assert_eq!(&errors[0].field, "month"),
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn phones_normalise_to_e164_or_fail(raw in text()) {
        if let Ok(phone) = PhoneNumber::parse("guest_phone", &raw) {
            let digits = phone.as_str().strip_prefix('+').unwrap_or_default();
            prop_assert!((8..=15).contains(&digits.len()));
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn emails_and_names_parse_or_fail_typed(raw in text()) {
        if let Err(e) = Email::parse("guest_email", &raw) {
            prop_assert_eq!(e.field, "guest_email");
        }
        match GuestName::parse("guest_name", &raw) {
            Ok(name) => prop_assert!((2..=100).contains(&name.as_str().chars().count())),
            Err(e) => prop_assert_eq!(e.field, "guest_name"),
        }
    }

    #[test]
    fn amounts_parse_within_what_can_be_stored(raw in prop_oneof![text(), "-?[0-9]{0,30}(\\.[0-9]{0,4})?"]) {
        if let Ok(money) = Money::parse("total_price", &raw) {
            prop_assert!(!money.is_negative());
            prop_assert!(money.amount() < rust_decimal::Decimal::from(10_000_000_000i64));
        }
    }

    #[test]
    fn masks_never_panic_and_never_return_the_whole_value(raw in text()) {
        let phone = mask::phone(&raw);
        let n = raw.chars().count();
        prop_assert_eq!(phone.chars().count(), n);
        let masked = phone.chars().zip(raw.chars()).filter(|(m, r)| *m == '*' && *r != '*').count()
            + raw.chars().filter(|c| *c == '*').count();
        prop_assert!(masked >= n.div_ceil(2).min(6), "{} -> {}", raw, phone);
        let email = mask::email(&raw);
        // At most the first character of the local part shows. (Asking that the masked text
        // not contain the local part failed on locals made of the mask's own `*`.)
        if raw.contains('@') {
            let shown = email.split_once("***@").map(|(local, _)| local.chars().count());
            prop_assert!(shown.is_some_and(|n| n <= 1), "{} -> {}", raw, email);
        }
        let _ = mask::name(&raw);
    }
}
