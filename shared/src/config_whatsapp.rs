//! The WhatsApp Graph API client's settings (`WHATSAPP_API_BASE`, `WHATSAPP_PHONE_ID`,
//! `WHATSAPP_ACCESS_TOKEN`, `WHATSAPP_TEMPLATE_*`, `WHATSAPP_TIMEOUT_SECONDS`,
//! `WHATSAPP_MAX_MEDIA_BYTES`, `WORKER_WHATSAPP_CONCURRENCY`): their checks.

use serde::{Deserialize, Deserializer};

use crate::config::{AppEnv, Settings};

/// The most inbound messages a worker may handle at once.
const MAX_WORKER_CONCURRENCY: u32 = 1024;
/// The largest media size a setting may allow (100 MiB, WhatsApp's own ceiling for documents).
const MAX_MEDIA_BYTES_CEILING: usize = 100 * 1024 * 1024;

/// Reads a setting that is text made of digits. figment parses environment values, so
/// `WHATSAPP_PHONE_ID=106540352242922` arrives as an integer, which a `String` field refuses
/// (production would not start); both forms are taken as the same text.
pub(crate) fn text_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(u64),
    }
    Ok(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(text) => text,
        TextOrNumber::Number(number) => number.to_string(),
    })
}

impl Settings {
    /// The Graph API client's checks. In production the token and the phone id are required
    /// like `MERCADOPAGO_ACCESS_TOKEN`: without them no guest would ever get an answer.
    pub(crate) fn validate_whatsapp(&self, problems: &mut Vec<String>) {
        let base = &self.whatsapp_api_base;
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            problems.push("WHATSAPP_API_BASE must be an http(s) URL".into());
        }
        if !self.whatsapp_phone_id.is_empty()
            && (self.whatsapp_phone_id.len() > 32
                || !self.whatsapp_phone_id.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.push("WHATSAPP_PHONE_ID must be the numeric phone number id".into());
        }
        let template_name_ok = self.whatsapp_template_name.len() <= 512
            && self
                .whatsapp_template_name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !template_name_ok {
            problems.push(
                "WHATSAPP_TEMPLATE_NAME must be lower-case letters, digits and underscores".into(),
            );
        }
        let language = &self.whatsapp_template_language;
        if language.is_empty()
            || language.len() > 16
            || !language
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            problems.push("WHATSAPP_TEMPLATE_LANGUAGE must be a language code like es_AR".into());
        }
        if !(1..=60).contains(&self.whatsapp_timeout_seconds) {
            problems.push("WHATSAPP_TIMEOUT_SECONDS must be between 1 and 60".into());
        }
        if !(1024..=MAX_MEDIA_BYTES_CEILING).contains(&self.whatsapp_max_media_bytes) {
            problems.push(format!(
                "WHATSAPP_MAX_MEDIA_BYTES must be between 1024 and {MAX_MEDIA_BYTES_CEILING}"
            ));
        }
        if !(1..=MAX_WORKER_CONCURRENCY).contains(&self.worker_whatsapp_concurrency) {
            problems.push(format!(
                "WORKER_WHATSAPP_CONCURRENCY must be between 1 and {MAX_WORKER_CONCURRENCY}"
            ));
        }
        if self.app_env == AppEnv::Production {
            if !self.whatsapp_access_token.is_set() {
                problems.push("WHATSAPP_ACCESS_TOKEN must be set in production".into());
            }
            if self.whatsapp_phone_id.is_empty() {
                problems.push("WHATSAPP_PHONE_ID must be set in production".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Secret;

    use super::*;

    fn problems(settings: &Settings) -> Vec<String> {
        let mut problems = Vec::new();
        settings.validate_whatsapp(&mut problems);
        problems
    }

    #[test]
    fn whatsapp_defaults_are_valid_outside_production() {
        let settings = Settings::default();
        assert!(problems(&settings).is_empty(), "{:?}", problems(&settings));
        assert_eq!(
            settings.whatsapp_api_base,
            "https://graph.facebook.com/v21.0"
        );
        assert_eq!(settings.whatsapp_template_language, "es_AR");
        assert_eq!(settings.whatsapp_timeout_seconds, 10);
        assert_eq!(settings.whatsapp_max_media_bytes, 16 * 1024 * 1024);
        assert_eq!(settings.worker_whatsapp_concurrency, 64);
    }

    #[test]
    fn production_needs_the_token_and_the_phone_id() {
        let settings = Settings {
            app_env: AppEnv::Production,
            ..Settings::default()
        };
        let found = problems(&settings);
        assert!(
            found.iter().any(|p| p.contains("WHATSAPP_ACCESS_TOKEN")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("WHATSAPP_PHONE_ID")),
            "{found:?}"
        );
        let complete = Settings {
            whatsapp_access_token: Secret::new("EAAG-token"),
            whatsapp_phone_id: "106540352242922".into(),
            ..settings
        };
        assert!(problems(&complete).is_empty(), "{:?}", problems(&complete));
    }

    #[test]
    fn every_bad_whatsapp_value_is_reported_at_once() {
        let settings = Settings {
            whatsapp_api_base: "graph.facebook.com".into(),
            whatsapp_phone_id: "12ab".into(),
            whatsapp_template_name: "Hola Mundo".into(),
            whatsapp_template_language: "es AR".into(),
            whatsapp_timeout_seconds: 0,
            whatsapp_max_media_bytes: 10,
            worker_whatsapp_concurrency: 0,
            ..Settings::default()
        };
        assert_eq!(problems(&settings).len(), 7, "{:?}", problems(&settings));
    }

    #[test]
    fn a_phone_id_of_digits_loads_whether_it_arrives_as_a_number_or_as_text() {
        use figment::{Figment, providers::Serialized};
        for value in [
            figment::value::Value::from(106_540_352_242_922_u64),
            figment::value::Value::from("106540352242922"),
        ] {
            let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
                .merge(("whatsapp_phone_id", value))
                .extract()
                .expect("a numeric phone id loads");
            assert_eq!(settings.whatsapp_phone_id, "106540352242922");
        }
    }

    #[test]
    fn the_whatsapp_token_is_never_printed() {
        let settings = Settings {
            whatsapp_access_token: Secret::new("EAAG-very-secret"),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("very-secret"));
    }
}
