//! The real voice path, end to end but for WhatsApp: reads a voice note (Ogg/Opus), sends it
//! through `OpenAiTranscriber` to the server in `STT_BASE_URL` (the `STT_*` settings, loaded
//! and validated like the processes do), reads the transcript with `shared::nlu::analyze` and
//! prints what was understood. Run by `ops/voice-check.sh`, against a local Whisper server.
//!
//! Exits 1 when the request was not understood (no booking or availability intent, or not the
//! expected number of guests), 2 on a usage or configuration error.
//!
//! Usage: `voice_check <voice-note.ogg> [expected guests]`

use std::process::ExitCode;

use shared::{
    clock::{Clock, SystemClock},
    config::Settings,
    nlu::{self, Intent},
    providers::{stt::transcriber_from_settings, whatsapp::Media},
};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), expected) = (args.next(), args.next()) else {
        eprintln!("usage: voice_check <voice-note.ogg> [expected guests]");
        return ExitCode::from(2);
    };
    let expected_guests: u32 = expected.as_deref().unwrap_or("4").parse().unwrap_or(4);
    let settings = match Settings::load() {
        Ok(settings) if settings.stt_base_url().is_some() => settings,
        Ok(_) => {
            eprintln!("STT_BASE_URL is not set");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let audio = Media {
        bytes,
        mime_type: "audio/ogg; codecs=opus".into(),
    };
    let transcriber = transcriber_from_settings(&settings).expect("transcriber");
    println!(
        "voice note:  {path} ({} bytes) → {}",
        audio.bytes.len(),
        settings.stt_base_url().unwrap_or_default()
    );
    let started = std::time::Instant::now();
    let transcript = match transcriber.transcribe(&audio).await {
        Ok(transcript) => transcript,
        Err(error) => {
            println!("NOT TRANSCRIBED ({}): {error}", error.outcome());
            return ExitCode::FAILURE;
        }
    };
    println!(
        "transcript:  {:?} ({} s of audio, {} ms, confident: {})",
        transcript.text,
        transcript.duration_seconds.unwrap_or_default(),
        started.elapsed().as_millis(),
        transcript.confident
    );
    let today = SystemClock.today(settings.timezone());
    let understood = nlu::analyze(&transcript.text, today);
    println!("today:       {today}");
    println!(
        "understood:  intent {:?} (confidence {:.2}), check-in {}, check-out {}, nights {}, guests {}",
        understood.intent,
        understood.confidence,
        shown(understood.check_in),
        shown(understood.check_out),
        shown(understood.nights),
        shown(understood.guests),
    );
    let intent_ok = matches!(understood.intent, Intent::Book | Intent::Availability);
    if intent_ok && understood.guests == Some(expected_guests) {
        println!("OK: a request to book for {expected_guests} was understood from the voice note");
        ExitCode::SUCCESS
    } else {
        println!("FAILED: expected a booking or availability request for {expected_guests}");
        ExitCode::FAILURE
    }
}

fn shown<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "?".into(), |v| v.to_string())
}
