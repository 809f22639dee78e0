//! Webhook signature checks. Both compare in constant time and never re-serialize anything.
//!
//! * Meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, over the
//!   exact bytes received (Meta signs its own escaped-unicode bytes).
//! * Mercado Pago: `x-signature: ts=<ts>,v1=<hex>`, where v1 is the HMAC-SHA256 under the
//!   webhook secret of the manifest `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`. `data.id`
//!   comes from the query string, lower-cased when alphanumeric; a missing part's whole
//!   segment is left out. The body is not signed. `ts` is signed, so a captured notification
//!   replayed later is refused once `ts` is outside the tolerance (`WEBHOOK_TS_TOLERANCE_SECONDS`).
//!
//! Every parser here returns a [`Refusal`] for any input, never panics (property-tested).

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery was refused. The reason is a metric label and stored on the sampled
/// refusal row, so the set is closed; the caller only learns "invalid signature".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The secret is not configured.
    NoSecret,
    /// No signature header.
    Missing,
    /// The header is not in the expected form.
    Malformed,
    /// The signature does not match.
    Mismatch,
    /// Signed, but `ts` is outside the tolerance: a replay or a badly skewed clock.
    Stale,
    /// A Mercado Pago notification without the signed `data.id` query parameter (400).
    MissingDataId,
}

impl Refusal {
    /// Whether the delivery carried no valid signature (missing, malformed or not matching):
    /// what `webhook_signature_invalid_total` counts, and its alert watches for spikes.
    pub fn is_invalid_signature(self) -> bool {
        matches!(self, Self::Missing | Self::Malformed | Self::Mismatch)
    }

    /// The closed `reason` label of `webhook_refused_total` and the stored reason.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoSecret => "no_secret",
            Self::Missing => "missing_signature",
            Self::Malformed => "malformed_signature",
            Self::Mismatch => "signature_mismatch",
            Self::Stale => "stale_timestamp",
            Self::MissingDataId => "missing_data_id",
        }
    }
}

fn mac(secret: &str, data: &[u8]) -> Result<Vec<u8>, Refusal> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| Refusal::NoSecret)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// The signature bytes of Meta's `X-Hub-Signature-256` header (`sha256=<hex>`).
pub fn parse_meta_header(header: &str) -> Result<Vec<u8>, Refusal> {
    let hex_sig = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(Refusal::Malformed)?;
    hex::decode(hex_sig).map_err(|_| Refusal::Malformed)
}

/// Checks Meta's `X-Hub-Signature-256` over the raw body.
pub fn verify_meta(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), Refusal> {
    if secret.is_empty() {
        return Err(Refusal::NoSecret);
    }
    let given = parse_meta_header(header.ok_or(Refusal::Missing)?)?;
    let expected = mac(secret, body)?;
    if bool::from(expected.ct_eq(&given)) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// Mercado Pago's `x-signature`, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpSignature<'a> {
    /// `ts` exactly as sent (it enters the manifest as is).
    pub ts: &'a str,
    /// When `ts` says the notification was sent.
    pub sent_at: DateTime<Utc>,
    /// The hex signature.
    pub v1: &'a str,
}

/// `ts` as an instant: Mercado Pago sends milliseconds (the documented examples) or seconds
/// (older integrations); anything above 10^11 is read as milliseconds.
fn parse_ts(ts: &str) -> Option<DateTime<Utc>> {
    if ts.is_empty() || ts.len() > 16 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = ts.parse().ok()?;
    if value > 100_000_000_000 {
        DateTime::from_timestamp_millis(value)
    } else {
        DateTime::from_timestamp(value, 0)
    }
}

/// Parses `ts=<ts>,v1=<hex>` (parts in any order, spaces around them ignored).
pub fn parse_mp_header(header: &str) -> Result<MpSignature<'_>, Refusal> {
    let (mut ts, mut v1) = (None, None);
    for part in header.split(',') {
        if let Some((k, v)) = part.split_once('=') {
            match k.trim() {
                "ts" => ts = Some(v.trim()),
                "v1" => v1 = Some(v.trim()),
                _ => {}
            }
        }
    }
    let ts = ts.ok_or(Refusal::Malformed)?;
    let v1 = v1.filter(|v| !v.is_empty()).ok_or(Refusal::Malformed)?;
    let sent_at = parse_ts(ts).ok_or(Refusal::Malformed)?;
    Ok(MpSignature { ts, sent_at, v1 })
}

/// `data.id` as it enters the manifest: lower-cased when alphanumeric.
pub fn manifest_id(data_id: &str) -> String {
    if !data_id.is_empty() && data_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        data_id.to_ascii_lowercase()
    } else {
        data_id.to_owned()
    }
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The manifest Mercado Pago signs; missing parts' segments are left out.
pub fn mp_manifest(data_id: Option<&str>, request_id: Option<&str>, ts: Option<&str>) -> String {
    let mut manifest = String::new();
    if let Some(id) = present(data_id) {
        manifest.push_str(&format!("id:{};", manifest_id(id)));
    }
    if let Some(rid) = present(request_id) {
        manifest.push_str(&format!("request-id:{rid};"));
    }
    if let Some(ts) = present(ts) {
        manifest.push_str(&format!("ts:{ts};"));
    }
    manifest
}

/// What a Mercado Pago notification is checked against.
#[derive(Clone, Copy, Debug)]
pub struct MpCheck<'a> {
    /// `MERCADOPAGO_WEBHOOK_SECRET`.
    pub secret: &'a str,
    /// Our clock's now.
    pub now: DateTime<Utc>,
    /// How far `ts` may be from `now`, either way.
    pub tolerance: Duration,
}

/// Checks Mercado Pago's `x-signature` for the query `data.id` and `x-request-id`, then that
/// its (signed) `ts` is within the tolerance. The signature is checked first, so a forged
/// `ts` is a mismatch, not a stale notification.
pub fn verify_mercadopago(
    check: &MpCheck<'_>,
    header: Option<&str>,
    data_id: Option<&str>,
    request_id: Option<&str>,
) -> Result<(), Refusal> {
    if check.secret.is_empty() {
        return Err(Refusal::NoSecret);
    }
    let signature = parse_mp_header(header.ok_or(Refusal::Missing)?)?;
    let v1 = signature.v1.to_ascii_lowercase();
    let expected = hex::encode(mac(
        check.secret,
        mp_manifest(data_id, request_id, Some(signature.ts)).as_bytes(),
    )?);
    if !bool::from(expected.as_bytes().ct_eq(v1.as_bytes())) {
        return Err(Refusal::Mismatch);
    }
    if (check.now - signature.sent_at).abs() > check.tolerance {
        return Err(Refusal::Stale);
    }
    Ok(())
}

/// Signs `body` as Meta does (tests and the benchmark's body generator use it).
pub fn sign_meta(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).unwrap_or_default())
    )
}

/// The payment id of a Mercado Pago notification: the signed query's `data.id`, nothing
/// from the (unsigned) body. `Ok(None)` when the URL says it is not about a payment;
/// `Err(MissingDataId)` when there is no `data.id`.
pub fn mp_payment_id(
    query_id: Option<&str>,
    query_type: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let id = query_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or(Refusal::MissingDataId)?;
    if query_type.is_some_and(|k| k != "payment") {
        return Ok(None);
    }
    Ok(Some(id.to_owned()))
}

#[cfg(test)]
#[path = "signature_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    const META_SIG: &str =
        "sha256=d4ab1a39e9adc41ca281e8adacbfd2601372ddead78847281f6435933dce0c5a";
    const RID: &str = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e";

    fn fixture() -> Vec<u8> {
        include_bytes!("../../../tests/fixtures/whatsapp/text_message.json").to_vec()
    }

    #[test]
    fn meta_signature_over_the_fixture_bytes_verifies() {
        let body = fixture();
        assert_eq!(
            verify_meta("test-app-secret", Some(META_SIG), &body),
            Ok(())
        );
        assert_eq!(sign_meta("test-app-secret", &body), META_SIG);
    }

    #[test]
    fn meta_signature_refuses_changed_bytes_missing_and_malformed_headers() {
        let mut body = fixture();
        body[10] ^= 1;
        assert_eq!(
            verify_meta("test-app-secret", Some(META_SIG), &body),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify_meta("test-app-secret", None, &body),
            Err(Refusal::Missing)
        );
        assert_eq!(
            verify_meta("test-app-secret", Some("md5=00"), &body),
            Err(Refusal::Malformed)
        );
        assert_eq!(
            verify_meta("", Some(META_SIG), &fixture()),
            Err(Refusal::NoSecret)
        );
    }

    /// The documented examples' `ts` (milliseconds) as our clock's now.
    fn at_fixture_time() -> MpCheck<'static> {
        MpCheck {
            secret: "test-mp-secret",
            now: DateTime::from_timestamp_millis(1_742_505_638_683).expect("ts"),
            tolerance: Duration::minutes(10),
        }
    }

    #[test]
    fn mercadopago_manifest_matches_the_documented_examples() {
        let with_rid =
            "ts=1742505638683,v1=4677dae7dbe3ebbe0125f0b06e2e3912d64aa163e7fe04420dacf1518281fd92";
        let without =
            "ts=1742505638683,v1=da63c737c025ba8cbfcc65ed424703814395b1b7da51a8b117ce915b4a0bcf25";
        let check = at_fixture_time();
        assert_eq!(
            verify_mercadopago(&check, Some(with_rid), Some("123456"), Some(RID)),
            Ok(())
        );
        assert_eq!(
            verify_mercadopago(&check, Some(without), Some("123456"), None),
            Ok(())
        );
        assert_eq!(
            verify_mercadopago(&check, Some(with_rid), Some("123457"), Some(RID)),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify_mercadopago(&check, Some("ts=1"), Some("1"), None),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn a_signed_ts_outside_the_tolerance_is_stale_either_way() {
        let with_rid =
            "ts=1742505638683,v1=4677dae7dbe3ebbe0125f0b06e2e3912d64aa163e7fe04420dacf1518281fd92";
        let base = at_fixture_time();
        for (shift, expected) in [
            (Duration::minutes(9), Ok(())),
            (Duration::minutes(-9), Ok(())),
            (Duration::minutes(11), Err(Refusal::Stale)),
            (Duration::minutes(-11), Err(Refusal::Stale)),
        ] {
            let check = MpCheck {
                now: base.now + shift,
                ..base
            };
            assert_eq!(
                verify_mercadopago(&check, Some(with_rid), Some("123456"), Some(RID)),
                expected,
                "{shift}"
            );
        }
    }

    #[test]
    fn ts_is_read_as_milliseconds_or_seconds_and_must_be_digits() {
        let ms = parse_mp_header("ts=1742505638683,v1=ab").expect("ms");
        let s = parse_mp_header(" v1=ab , ts=1742505638 ").expect("seconds");
        assert_eq!(ms.sent_at.timestamp(), 1_742_505_638);
        assert_eq!(s.sent_at.timestamp(), 1_742_505_638);
        for bad in [
            "ts=,v1=ab",
            "ts=12a,v1=ab",
            "ts=-5,v1=ab",
            "v1=ab",
            "ts=1,v1=",
        ] {
            assert_eq!(parse_mp_header(bad), Err(Refusal::Malformed), "{bad}");
        }
    }

    #[test]
    fn manifest_lower_cases_alphanumeric_ids_and_drops_missing_segments() {
        assert_eq!(
            mp_manifest(Some("ABC123"), None, Some("1")),
            "id:abc123;ts:1;"
        );
        assert_eq!(
            mp_manifest(Some("A-B"), Some("r"), None),
            "id:A-B;request-id:r;"
        );
        assert_eq!(mp_manifest(None, None, Some("9")), "ts:9;");
    }

    #[test]
    fn the_payment_id_comes_only_from_the_signed_query() {
        assert_eq!(mp_payment_id(Some("77"), None), Ok(Some("77".into())));
        assert_eq!(
            mp_payment_id(Some(" 77 "), Some("payment")),
            Ok(Some("77".into()))
        );
        assert_eq!(mp_payment_id(Some("5"), Some("merchant_order")), Ok(None));
        assert_eq!(
            mp_payment_id(None, Some("payment")),
            Err(Refusal::MissingDataId)
        );
        assert_eq!(mp_payment_id(Some("  "), None), Err(Refusal::MissingDataId));
    }
}
