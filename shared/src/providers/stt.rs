//! Speech to text (placeholder until the voice branch lands).

use futures::future::BoxFuture;

use super::whatsapp::Media;

/// A transcription.
#[derive(Clone, Debug)]
pub struct Transcript {
    /// The text.
    pub text: String,
    /// Whether the service was sure enough.
    pub confident: bool,
}

/// Why there is no transcript.
#[derive(Debug, thiserror::Error)]
pub enum SttError {
    /// Not configured.
    #[error("transcription is not configured")]
    Disabled,
    /// Unsure.
    #[error("the transcript is unsure")]
    Unsure,
}

/// Voice notes to text.
pub trait Transcriber: Send + Sync + std::fmt::Debug {
    /// Transcribes one audio file.
    fn transcribe<'a>(&'a self, audio: &'a Media) -> BoxFuture<'a, Result<Transcript, SttError>>;
}

#[derive(Debug)]
struct Disabled;

impl Transcriber for Disabled {
    fn transcribe<'a>(&'a self, _audio: &'a Media) -> BoxFuture<'a, Result<Transcript, SttError>> {
        Box::pin(async { Err(SttError::Disabled) })
    }
}

/// The transcriber the settings describe.
pub fn transcriber_from_settings(
    _settings: &crate::config::Settings,
) -> crate::Result<std::sync::Arc<dyn Transcriber>> {
    Ok(std::sync::Arc::new(Disabled))
}
