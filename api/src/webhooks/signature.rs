//! Webhook signature checks. Both compare in constant time and never re-serialize anything.
//!
//! * Meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, over the
//!   exact bytes received (Meta signs its own escaped-unicode bytes).
//! * Mercado Pago: `x-signature: ts=<ts>,v1=<hex>`, where v1 is the HMAC-SHA256 under the
//!   webhook secret of the manifest `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`. `data.id`
//!   comes from the query string, lower-cased when alphanumeric; a missing part's whole
//!   segment is left out. The body is not signed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused (logged and stored, never sent to the caller in detail).
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
}

impl Refusal {
    /// A short reason for the webhook log.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoSecret => "secret not configured",
            Self::Missing => "signature missing",
            Self::Malformed => "signature malformed",
            Self::Mismatch => "signature mismatch",
        }
    }
}

fn mac(secret: &str, data: &[u8]) -> Result<Vec<u8>, Refusal> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| Refusal::NoSecret)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// Checks Meta's `X-Hub-Signature-256` over the raw body.
pub fn verify_meta(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), Refusal> {
    if secret.is_empty() {
        return Err(Refusal::NoSecret);
    }
    let header = header.map(str::trim).ok_or(Refusal::Missing)?;
    let hex_sig = header.strip_prefix("sha256=").ok_or(Refusal::Malformed)?;
    let given = hex::decode(hex_sig).map_err(|_| Refusal::Malformed)?;
    let expected = mac(secret, body)?;
    if bool::from(expected.ct_eq(&given)) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// The `ts` and `v1` parts of Mercado Pago's `x-signature`.
fn parse_mp_header(header: &str) -> (Option<&str>, Option<&str>) {
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
    (ts, v1)
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

/// Checks Mercado Pago's `x-signature` for the query `data.id` and `x-request-id`.
pub fn verify_mercadopago(
    secret: &str,
    header: Option<&str>,
    data_id: Option<&str>,
    request_id: Option<&str>,
) -> Result<(), Refusal> {
    if secret.is_empty() {
        return Err(Refusal::NoSecret);
    }
    let header = header.ok_or(Refusal::Missing)?;
    let (ts, v1) = parse_mp_header(header);
    let v1 = v1.ok_or(Refusal::Malformed)?.to_ascii_lowercase();
    let expected = hex::encode(mac(
        secret,
        mp_manifest(data_id, request_id, ts).as_bytes(),
    )?);
    if bool::from(expected.as_bytes().ct_eq(v1.as_bytes())) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// Signs `body` as Meta does (tests and the benchmark's body generator use it).
pub fn sign_meta(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).unwrap_or_default())
    )
}

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

    #[test]
    fn mercadopago_manifest_matches_the_documented_examples() {
        let with_rid =
            "ts=1742505638683,v1=4677dae7dbe3ebbe0125f0b06e2e3912d64aa163e7fe04420dacf1518281fd92";
        let without =
            "ts=1742505638683,v1=da63c737c025ba8cbfcc65ed424703814395b1b7da51a8b117ce915b4a0bcf25";
        assert_eq!(
            verify_mercadopago("test-mp-secret", Some(with_rid), Some("123456"), Some(RID)),
            Ok(())
        );
        assert_eq!(
            verify_mercadopago("test-mp-secret", Some(without), Some("123456"), None),
            Ok(())
        );
        assert_eq!(
            verify_mercadopago("test-mp-secret", Some(with_rid), Some("123457"), Some(RID)),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify_mercadopago("test-mp-secret", Some("ts=1"), Some("1"), None),
            Err(Refusal::Malformed)
        );
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
}
