//! The speech-to-text client against the local OpenAI-compatible stand-in: the multipart
//! request as the stand-in parses it, the transcript, 5xx and timeouts, an unsure answer, the
//! limits checked before any upload, and the transcriber that is off without `STT_BASE_URL`.

use std::time::Duration;

use shared::{
    config::{Secret, Settings},
    providers::{
        stt::{SttError, Transcriber, transcriber_from_settings},
        whatsapp::Media,
    },
};
use tests::harness::stt_stub::{DEFAULT_TEXT, SttRequest, SttStub};

/// "hola, quiero reservar una cabaña para cuatro personas", 4.33 s of Ogg/Opus.
const VOICE_NOTE: &[u8] = include_bytes!("../../fixtures/voice-note-es.ogg");
const KEY: &str = "sk-test-key";

fn settings(stub: &SttStub) -> Settings {
    Settings {
        stt_base_url: Some(stub.base_url()),
        stt_api_key: Secret::new(KEY),
        ..Settings::default()
    }
}

fn transcriber(settings: &Settings) -> std::sync::Arc<dyn Transcriber> {
    transcriber_from_settings(settings).expect("transcriber")
}

fn voice_note() -> Media {
    Media {
        bytes: VOICE_NOTE.to_vec(),
        mime_type: "audio/ogg; codecs=opus".into(),
    }
}

#[tokio::test]
async fn a_voice_note_goes_up_as_openai_multipart_and_comes_back_as_text() {
    let stub = SttStub::start().await;

    let transcript = transcriber(&settings(&stub))
        .transcribe(&voice_note())
        .await
        .expect("transcript");

    assert_eq!(transcript.text, DEFAULT_TEXT);
    assert!(transcript.confident);
    assert_eq!(transcript.duration_seconds, Some(5));
    assert_eq!(
        stub.requests(),
        vec![SttRequest {
            bearer: Some(KEY.into()),
            model: Some("whisper-1".into()),
            language: Some("es".into()),
            response_format: Some("verbose_json".into()),
            file_name: Some("voice.ogg".into()),
            content_type: Some("audio/ogg".into()),
            file_len: VOICE_NOTE.len(),
        }]
    );
}

#[tokio::test]
async fn the_model_and_language_come_from_the_settings_and_no_key_sends_no_bearer() {
    let stub = SttStub::start().await;
    stub.set_reply("¿Aceptan mascotas?");
    let settings = Settings {
        stt_api_key: Secret::default(),
        stt_model: "Systran/faster-whisper-base".into(),
        stt_language: "pt".into(),
        ..settings(&stub)
    };
    let mp3 = Media {
        bytes: b"ID3\x04\0\0\0\0\0\0 an mp3 of unknown length".to_vec(),
        mime_type: "audio/mpeg".into(),
    };

    let transcript = transcriber(&settings)
        .transcribe(&mp3)
        .await
        .expect("transcript");

    assert_eq!(transcript.text, "¿Aceptan mascotas?");
    let request = &stub.requests()[0];
    assert_eq!(request.bearer, None);
    assert_eq!(
        request.model.as_deref(),
        Some("Systran/faster-whisper-base")
    );
    assert_eq!(request.language.as_deref(), Some("pt"));
    assert_eq!(request.file_name.as_deref(), Some("voice.mp3"));
}

#[tokio::test]
async fn a_server_error_is_unavailable_and_the_next_call_works() {
    let stub = SttStub::start().await;
    stub.fail_next(1);
    let transcriber = transcriber(&settings(&stub));

    let failed = transcriber.transcribe(&voice_note()).await;
    let next = transcriber.transcribe(&voice_note()).await;

    assert!(
        matches!(&failed, Err(SttError::Unavailable(m)) if m.contains("503")),
        "{failed:?}"
    );
    assert_eq!(next.expect("transcript").text, DEFAULT_TEXT);
    assert_eq!(stub.requests().len(), 2, "no retry inside the client");
}

#[tokio::test]
async fn a_server_that_answers_too_late_is_unavailable() {
    let stub = SttStub::start().await;
    stub.set_latency(Duration::from_secs(5));
    let settings = Settings {
        stt_timeout_seconds: 1,
        ..settings(&stub)
    };

    let result = transcriber(&settings).transcribe(&voice_note()).await;

    assert_eq!(
        result,
        Err(SttError::Unavailable("no answer in time".into()))
    );
}

#[tokio::test]
async fn whisper_hearing_only_silence_is_unsure() {
    let stub = SttStub::start().await;
    stub.set_unsure();

    let result = transcriber(&settings(&stub))
        .transcribe(&voice_note())
        .await;

    assert_eq!(result, Err(SttError::Unsure));
}

#[tokio::test]
async fn audio_over_the_limits_is_refused_without_any_upload() {
    let stub = SttStub::start().await;
    let small = Settings {
        stt_max_audio_bytes: 4096,
        ..settings(&stub)
    };
    let short = Settings {
        stt_max_audio_seconds: 4,
        ..settings(&stub)
    };
    let mut cut = voice_note();
    cut.bytes.truncate(VOICE_NOTE.len() - 10);

    let too_large = transcriber(&small).transcribe(&voice_note()).await;
    let too_long = transcriber(&short).transcribe(&voice_note()).await;
    let unreadable = transcriber(&short).transcribe(&cut).await;

    assert_eq!(
        too_large,
        Err(SttError::TooLarge {
            size: VOICE_NOTE.len(),
            limit: 4096
        })
    );
    assert_eq!(
        too_long,
        Err(SttError::TooLong {
            seconds: 5,
            limit: 4
        })
    );
    assert!(matches!(unreadable, Err(SttError::Unreadable(_))));
    assert!(stub.requests().is_empty(), "{:?}", stub.requests());
}

#[tokio::test]
async fn without_a_base_url_transcription_is_off() {
    let stub = SttStub::start().await;
    let unset = Settings {
        stt_base_url: None,
        ..settings(&stub)
    };

    let result = transcriber(&unset).transcribe(&voice_note()).await;

    assert_eq!(result, Err(SttError::Disabled));
    assert!(stub.requests().is_empty());
}
