//! Speech-to-text for guests' voice notes, behind the small [`Transcriber`] trait.
//!
//! The one real backend, [`OpenAiTranscriber`], speaks the OpenAI transcription API
//! (`POST {STT_BASE_URL}/v1/audio/transcriptions`), so the owner can point it at a hosted
//! service or at a self-hosted Whisper server (`ops/voice-check.sh` runs one). Without
//! `STT_BASE_URL` the [`DisabledTranscriber`] answers [`SttError::Disabled`].
//!
//! Every error means the same to the guest: "please write instead". The variants tell the
//! operator (and the metric `stt_requests_total{outcome}`) why. Limits ([`SttLimits`]) are
//! checked before any upload: the size always, the duration when the audio is Ogg/Opus (what
//! WhatsApp sends); other formats go through on size alone. Transcripts and the API key are
//! never logged.

mod openai;

use std::{sync::Arc, time::Duration};

use futures::future::BoxFuture;
pub use openai::{LOW_AVG_LOGPROB, NO_SPEECH_PROB, OpenAiTranscriber};

use crate::{
    Result,
    config::Settings,
    domain::ogg::{self, OggProbe},
    providers::whatsapp::Media,
};

/// What was said in a voice note.
#[derive(Clone, Debug, PartialEq)]
pub struct Transcript {
    /// The words, trimmed; never blank (blank is [`SttError::Unsure`]).
    pub text: String,
    /// The audio's length in whole seconds (rounded up), from the server or the container.
    pub duration_seconds: Option<u32>,
    /// Whether every part was heard clearly. `false`: the text is usable on the whole but a
    /// part of it was doubtful (see [`LOW_AVG_LOGPROB`]); the caller may confirm what it
    /// understood before acting on it. `true` also when the server gave nothing to judge by.
    pub confident: bool,
}

/// Why a voice note was not transcribed. To the guest each means "please write instead".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SttError {
    /// No speech-to-text service is configured (`STT_BASE_URL` unset).
    #[error("speech-to-text is not configured")]
    Disabled,
    /// The audio is larger than `STT_MAX_AUDIO_BYTES`; nothing was uploaded.
    #[error("the audio has {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Bytes of the audio.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The audio lasts longer than `STT_MAX_AUDIO_SECONDS`; nothing was uploaded.
    #[error("the audio lasts {seconds} s, over the {limit} s limit")]
    TooLong {
        /// Its length in whole seconds (rounded up).
        seconds: u32,
        /// The limit.
        limit: u32,
    },
    /// The audio claims to be Ogg but its structure is broken; nothing was uploaded.
    #[error("the audio cannot be read: {0}")]
    Unreadable(#[from] ogg::MalformedOgg),
    /// The service did not answer in time, is down (5xx, 429) or answered nonsense: a later
    /// attempt may work.
    #[error("speech-to-text unavailable: {0}")]
    Unavailable(String),
    /// The service refused the request (4xx: bad key, unsupported audio): sending the same
    /// audio again will not help.
    #[error("speech-to-text refused the audio: {0}")]
    Rejected(String),
    /// Nothing intelligible was heard: no words, or words too doubtful to act on.
    #[error("the transcription is unsure")]
    Unsure,
}

impl SttError {
    /// The metric label of this outcome (a fixed, small set).
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::TooLarge { .. } => "too_large",
            Self::TooLong { .. } => "too_long",
            Self::Unreadable(_) => "unreadable",
            Self::Unavailable(_) => "unavailable",
            Self::Rejected(_) => "rejected",
            Self::Unsure => "unsure",
        }
    }
}

/// Turns audio into text. Object-safe: hold it as `Arc<dyn Transcriber>`; tests pass their
/// own implementation or point [`OpenAiTranscriber`] at a stand-in.
pub trait Transcriber: Send + Sync + std::fmt::Debug {
    /// Transcribes a voice note (as downloaded from WhatsApp).
    fn transcribe<'a>(&'a self, audio: &'a Media) -> BoxFuture<'a, Result<Transcript, SttError>>;
}

/// The transcriber the settings describe: [`OpenAiTranscriber`] when `STT_BASE_URL` is set,
/// else [`DisabledTranscriber`]. Fails only when the HTTP client cannot be built.
pub fn transcriber_from_settings(settings: &Settings) -> Result<Arc<dyn Transcriber>> {
    Ok(match OpenAiTranscriber::from_settings(settings)? {
        Some(client) => Arc::new(client),
        None => Arc::new(DisabledTranscriber),
    })
}

/// The transcriber used while none is configured: every call is [`SttError::Disabled`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DisabledTranscriber;

impl Transcriber for DisabledTranscriber {
    fn transcribe<'a>(&'a self, _audio: &'a Media) -> BoxFuture<'a, Result<Transcript, SttError>> {
        metrics::counter!("stt_requests_total", "outcome" => SttError::Disabled.outcome())
            .increment(1);
        Box::pin(std::future::ready(Err(SttError::Disabled)))
    }
}

/// How much audio may be sent for transcription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SttLimits {
    /// The largest file, in bytes (`STT_MAX_AUDIO_BYTES`).
    pub max_bytes: usize,
    /// The longest audio, in seconds (`STT_MAX_AUDIO_SECONDS`).
    pub max_seconds: u32,
}

impl Default for SttLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_seconds: 120,
        }
    }
}

impl SttLimits {
    /// The limits the settings describe.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            max_bytes: settings.stt_max_audio_bytes,
            max_seconds: settings.stt_max_audio_seconds,
        }
    }

    /// Checks `audio` before it is uploaded: its size, and its duration when it is
    /// Ogg/Opus. Returns the duration in whole seconds (rounded up) when known.
    pub fn check(&self, audio: &Media) -> Result<Option<u32>, SttError> {
        let size = audio.bytes.len();
        if size > self.max_bytes {
            return Err(SttError::TooLarge {
                size,
                limit: self.max_bytes,
            });
        }
        let OggProbe::Opus { duration } = ogg::probe(&audio.bytes)? else {
            return Ok(None);
        };
        let seconds = whole_seconds(duration);
        if seconds > self.max_seconds {
            return Err(SttError::TooLong {
                seconds,
                limit: self.max_seconds,
            });
        }
        Ok(Some(seconds))
    }
}

/// A duration in whole seconds, rounded up (a 4.3 s note is 5 s), saturating.
fn whole_seconds(duration: Duration) -> u32 {
    let rounded = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    u32::try_from(rounded).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(bytes: Vec<u8>, mime: &str) -> Media {
        Media {
            bytes,
            mime_type: mime.into(),
        }
    }

    const VOICE_NOTE: &[u8] = include_bytes!("../../../tests/fixtures/voice-note-es.ogg");

    #[test]
    fn a_voice_note_within_the_limits_passes_with_its_duration() {
        let limits = SttLimits::default();
        let note = audio(VOICE_NOTE.to_vec(), "audio/ogg; codecs=opus");
        assert_eq!(limits.check(&note), Ok(Some(5)));
    }

    #[test]
    fn size_is_checked_first_and_duration_only_for_ogg() {
        let limits = SttLimits {
            max_bytes: 2048,
            max_seconds: 4,
        };
        let note = audio(VOICE_NOTE.to_vec(), "audio/ogg");
        assert_eq!(
            limits.check(&note),
            Err(SttError::TooLarge {
                size: VOICE_NOTE.len(),
                limit: 2048
            })
        );
        let roomy = SttLimits {
            max_bytes: 1 << 20,
            ..limits
        };
        assert_eq!(
            roomy.check(&note),
            Err(SttError::TooLong {
                seconds: 5,
                limit: 4
            })
        );
        let mp3 = audio(b"ID3\x04 an mp3 of unknown length".to_vec(), "audio/mpeg");
        assert_eq!(roomy.check(&mp3), Ok(None));
        let broken = audio(VOICE_NOTE[..1000].to_vec(), "audio/ogg");
        assert!(matches!(roomy.check(&broken), Err(SttError::Unreadable(_))));
    }

    #[test]
    fn without_a_base_url_every_call_is_disabled() {
        let transcriber = transcriber_from_settings(&Settings::default()).expect("transcriber");
        let note = audio(VOICE_NOTE.to_vec(), "audio/ogg");
        let result = futures::executor::block_on(transcriber.transcribe(&note));
        assert_eq!(result, Err(SttError::Disabled));
    }

    #[test]
    fn whole_seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(4332)), 5);
        assert_eq!(whole_seconds(Duration::from_secs(4)), 4);
        assert_eq!(whole_seconds(Duration::ZERO), 0);
    }
}
