//! The voice notes' speech-to-text settings (`STT_BASE_URL`, `STT_API_KEY`, `STT_MODEL`,
//! `STT_LANGUAGE`, `STT_TIMEOUT_SECONDS`, `STT_MAX_AUDIO_BYTES`, `STT_MAX_AUDIO_SECONDS`):
//! their checks. Transcription is off while `STT_BASE_URL` is unset; guests who send a voice
//! note are then asked to write.

use crate::config::Settings;

/// The largest audio a setting may allow: 25 MB, OpenAI's own ceiling for one file.
const MAX_AUDIO_BYTES_CEILING: usize = 25 * 1000 * 1000;
/// The longest audio a setting may allow (30 minutes).
const MAX_AUDIO_SECONDS_CEILING: u32 = 30 * 60;

impl Settings {
    /// The speech-to-text server's base URL, when one is configured.
    pub fn stt_base_url(&self) -> Option<&str> {
        self.stt_base_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty())
    }

    /// The speech-to-text checks (the limits even while it is off, so turning it on later
    /// cannot reveal an old mistake).
    pub(crate) fn validate_stt(&self, problems: &mut Vec<String>) {
        if let Some(url) = self.stt_base_url()
            && url::Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .is_none()
        {
            problems.push("STT_BASE_URL must be an http(s) URL".into());
        }
        let model = &self.stt_model;
        if model.is_empty() || model.len() > 128 || model.chars().any(char::is_control) {
            problems.push("STT_MODEL must be a model name of 1 to 128 characters".into());
        }
        let language = &self.stt_language;
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            problems.push("STT_LANGUAGE must be an ISO 639-1 code like es".into());
        }
        if !(1..=120).contains(&self.stt_timeout_seconds) {
            problems.push("STT_TIMEOUT_SECONDS must be between 1 and 120".into());
        }
        if !(1024..=MAX_AUDIO_BYTES_CEILING).contains(&self.stt_max_audio_bytes) {
            problems.push(format!(
                "STT_MAX_AUDIO_BYTES must be between 1024 and {MAX_AUDIO_BYTES_CEILING}"
            ));
        }
        if !(1..=MAX_AUDIO_SECONDS_CEILING).contains(&self.stt_max_audio_seconds) {
            problems.push(format!(
                "STT_MAX_AUDIO_SECONDS must be between 1 and {MAX_AUDIO_SECONDS_CEILING}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Secret;

    use super::*;

    fn problems(settings: &Settings) -> Vec<String> {
        let mut problems = Vec::new();
        settings.validate_stt(&mut problems);
        problems
    }

    #[test]
    fn speech_to_text_is_off_by_default_with_valid_defaults() {
        let settings = Settings::default();
        assert_eq!(settings.stt_base_url(), None);
        assert!(problems(&settings).is_empty(), "{:?}", problems(&settings));
        assert_eq!(settings.stt_model, "whisper-1");
        assert_eq!(settings.stt_language, "es");
        assert_eq!(settings.stt_timeout_seconds, 20);
        assert_eq!(settings.stt_max_audio_bytes, 10 * 1024 * 1024);
        assert_eq!(settings.stt_max_audio_seconds, 120);
    }

    #[test]
    fn a_blank_base_url_leaves_it_off() {
        let settings = Settings {
            stt_base_url: Some("  ".into()),
            ..Settings::default()
        };
        assert_eq!(settings.stt_base_url(), None);
        assert!(problems(&settings).is_empty());
    }

    #[test]
    fn every_bad_stt_value_is_reported_at_once() {
        let settings = Settings {
            stt_base_url: Some("whisper.local:8000".into()),
            stt_model: String::new(),
            stt_language: "es-AR".into(),
            stt_timeout_seconds: 0,
            stt_max_audio_bytes: 26_000_000,
            stt_max_audio_seconds: 0,
            ..Settings::default()
        };
        assert_eq!(problems(&settings).len(), 6, "{:?}", problems(&settings));
    }

    #[test]
    fn the_stt_key_is_never_printed() {
        let settings = Settings {
            stt_api_key: Secret::new("sk-very-secret"),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("very-secret"));
    }
}
