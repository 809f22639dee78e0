//! Property tests: the signature header parsers and the Mercado Pago query parsing never panic
//! on arbitrary input and always answer with a typed [`Refusal`].

use chrono::{DateTime, Duration};
use proptest::prelude::*;

use super::*;

fn check(now_ms: i64) -> MpCheck<'static> {
    MpCheck {
        secret: "test-mp-secret",
        now: DateTime::from_timestamp_millis(now_ms).unwrap_or_default(),
        tolerance: Duration::minutes(10),
    }
}

/// Headers that look like the real ones, with arbitrary parts, plus anything at all.
fn mp_header() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        ("[0-9]{0,20}", "[0-9a-fA-F]{0,70}").prop_map(|(ts, v1)| format!("ts={ts},v1={v1}")),
        ("\\PC{0,20}", "\\PC{0,20}").prop_map(|(ts, v1)| format!(" v1 = {v1} , ts = {ts} ,,=")),
    ]
}

proptest! {
    #[test]
    fn the_meta_header_parser_and_check_never_panic(
        header in prop_oneof![any::<String>(), "sha256=[0-9a-fA-F]{0,80}".prop_map(String::from)],
        body in proptest::collection::vec(any::<u8>(), 0..512),
        secret in "\\PC{0,16}",
    ) {
        match parse_meta_header(&header) {
            Ok(bytes) => prop_assert!(bytes.len() <= header.len()),
            Err(refusal) => prop_assert_eq!(refusal, Refusal::Malformed),
        }
        let verdict = verify_meta(&secret, Some(&header), &body);
        prop_assert!(verdict != Ok(()) || header == sign_meta(&secret, &body));
        prop_assert_eq!(verify_meta(&secret, None, &body).is_err(), true);
    }

    #[test]
    fn the_mercadopago_header_parser_and_check_never_panic(
        header in mp_header(),
        data_id in proptest::option::of(any::<String>()),
        request_id in proptest::option::of(any::<String>()),
        now_ms in any::<i64>(),
    ) {
        if let Ok(parsed) = parse_mp_header(&header) {
            prop_assert!(!parsed.v1.is_empty());
            prop_assert!(parsed.ts.bytes().all(|b| b.is_ascii_digit()));
        }
        let verdict = verify_mercadopago(
            &check(now_ms),
            Some(&header),
            data_id.as_deref(),
            request_id.as_deref(),
        );
        prop_assert!(matches!(
            verdict,
            Ok(()) | Err(Refusal::Malformed | Refusal::Mismatch | Refusal::Stale)
        ));
        let _ = mp_manifest(data_id.as_deref(), request_id.as_deref(), Some(&header));
    }

    #[test]
    fn the_mercadopago_query_parsing_never_panics(
        data_id in proptest::option::of(any::<String>()),
        kind in proptest::option::of(any::<String>()),
    ) {
        match mp_payment_id(data_id.as_deref(), kind.as_deref()) {
            Ok(Some(id)) => prop_assert!(!id.is_empty() && id.trim() == id),
            Ok(None) => prop_assert!(kind.is_some_and(|k| k != "payment")),
            Err(refusal) => {
                prop_assert_eq!(refusal, Refusal::MissingDataId);
                prop_assert!(data_id.is_none_or(|id| id.trim().is_empty()));
            }
        }
    }
}
