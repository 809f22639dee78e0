//! The OpenAI-compatible backend: `POST {base}/v1/audio/transcriptions`, multipart with
//! `file`, `model`, `language` and `response_format=verbose_json`; `Authorization: Bearer`
//! when a key is configured. OpenAI, Groq, faster-whisper-server, `ops/voice/whisper_server.py`
//! and whisper.cpp's server all answer it.
//!
//! Answers: `verbose_json` (`text`, `duration`, `segments[]` with `avg_logprob` and
//! `no_speech_prob`) is judged segment by segment; a plain `{"text": …}` is taken as it is.
//! Judging uses Whisper's own thresholds ([`NO_SPEECH_PROB`], [`LOW_AVG_LOGPROB`]): a segment
//! above the first and below the second is silence or noise and is dropped (Whisper does the
//! same); the rest is [`SttError::Unsure`] when blank or when its mean `avg_logprob`
//! (weighted by text length) is below [`LOW_AVG_LOGPROB`]; otherwise it is a transcript,
//! `confident` unless some kept segment was below that threshold.
//!
//! Failures: no answer in time, a refused connection, 408, 429 and 5xx are
//! [`SttError::Unavailable`]; other 4xx are [`SttError::Rejected`]; a 2xx that is not the
//! expected JSON is `Unavailable` (a proxy's error page, usually). Not retried here: the
//! guest is already waiting, and is asked to write instead.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use super::{SttError, SttLimits, Transcriber, Transcript, whole_seconds};
use crate::{Result, config::Secret, config::Settings, providers::whatsapp::Media};

/// Above this `no_speech_prob` (and below [`LOW_AVG_LOGPROB`]) a segment is silence: Whisper's
/// `no_speech_threshold`.
pub const NO_SPEECH_PROB: f64 = 0.6;
/// Below this `avg_logprob` a segment is doubtful: Whisper's `logprob_threshold`.
pub const LOW_AVG_LOGPROB: f64 = -1.0;
/// The longest answer read; a transcript of two minutes is a few kilobytes.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The longest transcript kept, in characters (the understanding reads less).
const MAX_TEXT_CHARS: usize = 4000;

/// A client of an OpenAI-compatible transcription API (cheap to clone: the pool is shared).
#[derive(Clone)]
pub struct OpenAiTranscriber {
    http: reqwest::Client,
    endpoint: String,
    api_key: Secret,
    model: String,
    language: String,
    limits: SttLimits,
}

impl std::fmt::Debug for OpenAiTranscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiTranscriber")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .field("model", &self.model)
            .field("language", &self.language)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl OpenAiTranscriber {
    /// A client of the API at `base_url` (without `/v1`) asking `model` for `language`
    /// (ISO 639-1); each request gives up after `timeout`. Default limits.
    pub fn new(
        base_url: &str,
        api_key: Secret,
        model: &str,
        language: &str,
        timeout: Duration,
    ) -> Result<Self> {
        let http = crate::providers::http_client(timeout)?;
        Ok(Self {
            http,
            endpoint: format!(
                "{}/v1/audio/transcriptions",
                base_url.trim().trim_end_matches('/')
            ),
            api_key,
            model: model.to_owned(),
            language: language.to_owned(),
            limits: SttLimits::default(),
        })
    }

    /// The client the settings describe (`STT_*`); `None` while `STT_BASE_URL` is unset.
    pub fn from_settings(settings: &Settings) -> Result<Option<Self>> {
        let Some(base_url) = settings.stt_base_url() else {
            return Ok(None);
        };
        let client = Self::new(
            base_url,
            settings.stt_api_key.clone(),
            &settings.stt_model,
            &settings.stt_language,
            Duration::from_secs(settings.stt_timeout_seconds),
        )?;
        Ok(Some(client.with_limits(SttLimits::from_settings(settings))))
    }

    /// Uses these limits.
    pub fn with_limits(mut self, limits: SttLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Checks the limits, uploads, judges the answer; counts and logs the outcome (never the
    /// text).
    #[tracing::instrument(name = "stt.transcribe", skip_all, fields(audio_bytes = audio.bytes.len(), mime = %audio.mime_type))]
    async fn transcribe_audio(&self, audio: &Media) -> Result<Transcript, SttError> {
        let started = Instant::now();
        let result = match self.limits.check(audio) {
            Ok(seconds) => {
                let result = self.upload(audio).await.and_then(judge);
                metrics::histogram!("stt_request_duration_seconds")
                    .record(started.elapsed().as_secs_f64());
                result.map(|transcript| Transcript {
                    duration_seconds: transcript.duration_seconds.or(seconds),
                    ..transcript
                })
            }
            Err(refused) => Err(refused),
        };
        let outcome = result.as_ref().map_or_else(SttError::outcome, |_| "ok");
        metrics::counter!("stt_requests_total", "outcome" => outcome).increment(1);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(t) => tracing::info!(
                outcome,
                elapsed_ms,
                chars = t.text.chars().count(),
                audio_seconds = t.duration_seconds,
                confident = t.confident,
                "voice note transcribed"
            ),
            Err(error) => tracing::warn!(outcome, elapsed_ms, %error, "voice note not transcribed"),
        }
        result
    }

    /// One request; the answer's body as parsed JSON.
    async fn upload(&self, audio: &Media) -> Result<Answer, SttError> {
        let unavailable = |e: reqwest::Error| {
            SttError::Unavailable(if e.is_timeout() {
                "no answer in time".into()
            } else {
                format!("transport: {e}")
            })
        };
        let file = Part::bytes(audio.bytes.clone())
            .file_name(file_name(&audio.mime_type))
            .mime_str(&audio.mime_type)
            .map_err(|_| SttError::Rejected("the audio's type is not a media type".into()))?;
        let form = Form::new()
            .part("file", file)
            .text("model", self.model.clone())
            .text("language", self.language.clone())
            .text("response_format", "verbose_json");
        let mut request = self.http.post(&self.endpoint).multipart(form);
        if self.api_key.is_set() {
            request = request.bearer_auth(self.api_key.expose());
        }
        let mut response = request.send().await.map_err(unavailable)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(SttError::Unavailable("answer too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        match status {
            200..=299 => serde_json::from_slice(&body)
                .map_err(|e| SttError::Unavailable(format!("unexpected answer: {e}"))),
            408 | 429 | 500..=599 => Err(SttError::Unavailable(refusal(status, &body))),
            _ => Err(SttError::Rejected(refusal(status, &body))),
        }
    }
}

impl Transcriber for OpenAiTranscriber {
    fn transcribe<'a>(&'a self, audio: &'a Media) -> BoxFuture<'a, Result<Transcript, SttError>> {
        Box::pin(self.transcribe_audio(audio))
    }
}

/// The file name sent with the audio: OpenAI tells the format by its extension.
fn file_name(mime_type: &str) -> &'static str {
    let essence = mime_type.split(';').next().unwrap_or_default().trim();
    match essence.to_ascii_lowercase().as_str() {
        "audio/mpeg" | "audio/mp3" => "voice.mp3",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "audio/aac" => "voice.m4a",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "voice.wav",
        "audio/webm" => "voice.webm",
        "audio/amr" => "voice.amr",
        _ => "voice.ogg",
    }
}

/// A refusal for the logs: the status and OpenAI's `error.message` (or the body's start).
fn refusal(status: u16, body: &[u8]) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let short: String = message.chars().take(200).collect();
    format!("status {status}: {short}")
}

/// The transcription API's answer (`json` or `verbose_json`).
#[derive(Debug, Deserialize)]
struct Answer {
    text: String,
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    segments: Vec<Segment>,
}

/// One `verbose_json` segment; servers that leave the scores out are trusted.
#[derive(Debug, Deserialize)]
struct Segment {
    #[serde(default)]
    text: String,
    #[serde(default)]
    avg_logprob: Option<f64>,
    #[serde(default)]
    no_speech_prob: Option<f64>,
}

impl Segment {
    fn logprob(&self) -> f64 {
        self.avg_logprob.unwrap_or(0.0)
    }
    fn is_silence(&self) -> bool {
        self.no_speech_prob.unwrap_or(0.0) > NO_SPEECH_PROB && self.logprob() < LOW_AVG_LOGPROB
    }
}

/// Decides what the answer is worth (see the module's documentation).
fn judge(answer: Answer) -> Result<Transcript, SttError> {
    let duration_seconds = answer
        .duration
        .filter(|d| d.is_finite() && *d >= 0.0)
        .map(|d| whole_seconds(Duration::from_secs_f64(d.min(f64::from(u32::MAX)))));
    let (text, confident) = if answer.segments.is_empty() {
        (answer.text, true)
    } else {
        let kept: Vec<&Segment> = answer.segments.iter().filter(|s| !s.is_silence()).collect();
        let weight = |s: &Segment| s.text.trim().chars().count().max(1) as f64;
        let total: f64 = kept.iter().map(|s| weight(s)).sum();
        let mean = kept.iter().map(|s| s.logprob() * weight(s)).sum::<f64>() / total.max(1.0);
        if mean < LOW_AVG_LOGPROB {
            return Err(SttError::Unsure);
        }
        let text = kept
            .iter()
            .map(|s| s.text.trim())
            .collect::<Vec<_>>()
            .join(" ");
        (text, kept.iter().all(|s| s.logprob() >= LOW_AVG_LOGPROB))
    };
    let text: String = text.trim().chars().take(MAX_TEXT_CHARS).collect();
    if text.trim().is_empty() {
        return Err(SttError::Unsure);
    }
    Ok(Transcript {
        text: text.trim().to_owned(),
        duration_seconds,
        confident,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn judged(answer: serde_json::Value) -> Result<Transcript, SttError> {
        judge(serde_json::from_value(answer).expect("answer"))
    }

    fn segment(text: &str, avg_logprob: f64, no_speech_prob: f64) -> serde_json::Value {
        json!({"text": text, "avg_logprob": avg_logprob, "no_speech_prob": no_speech_prob})
    }

    #[test]
    fn a_plain_text_answer_is_taken_as_it_is() {
        let transcript = judged(json!({"text": " Hola, ¿tienen lugar? "})).expect("text");
        assert_eq!(transcript.text, "Hola, ¿tienen lugar?");
        assert!(transcript.confident);
        assert_eq!(transcript.duration_seconds, None);
        assert_eq!(judged(json!({"text": "  "})), Err(SttError::Unsure));
    }

    #[test]
    fn silent_segments_are_dropped_and_doubtful_ones_lower_confidence() {
        let transcript = judged(json!({
            "text": "ignored", "duration": 4.33,
            "segments": [
                segment(" Quiero reservar una cabaña", -0.3, 0.01),
                segment(" para cuatro", -1.4, 0.2),
                segment(" Gracias por ver el video", -1.3, 0.9),
            ],
        }))
        .expect("text");
        assert_eq!(transcript.text, "Quiero reservar una cabaña para cuatro");
        assert!(!transcript.confident);
        assert_eq!(transcript.duration_seconds, Some(5));
    }

    #[test]
    fn only_silence_or_mostly_doubtful_words_are_unsure() {
        let silence = json!({"text": "Gracias.", "segments": [segment(" Gracias.", -1.2, 0.95)]});
        assert_eq!(judged(silence), Err(SttError::Unsure));
        let mumble = json!({"text": "x", "segments": [
            segment(" eh", -0.5, 0.1),
            segment(" algo que no se entiende bien", -1.6, 0.3),
        ]});
        assert_eq!(judged(mumble), Err(SttError::Unsure));
    }

    #[test]
    fn the_file_name_tells_the_format() {
        assert_eq!(file_name("audio/ogg; codecs=opus"), "voice.ogg");
        assert_eq!(file_name("audio/mpeg"), "voice.mp3");
        assert_eq!(file_name("AUDIO/MP4"), "voice.m4a");
        assert_eq!(file_name("application/octet-stream"), "voice.ogg");
    }

    #[test]
    fn debug_never_prints_the_key() {
        let client = OpenAiTranscriber::new(
            "http://127.0.0.1:1/",
            Secret::new("sk-very-secret"),
            "whisper-1",
            "es",
            Duration::from_secs(1),
        )
        .expect("client");
        let debug = format!("{client:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("http://127.0.0.1:1/v1/audio/transcriptions"));
    }
}
