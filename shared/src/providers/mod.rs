//! HTTP clients of outside providers (and speech-to-text, [`stt`]). Base URLs, tokens and timeouts come from `Settings`, so
//! tests point them at local stand-ins. Every client maps the provider's failures onto
//! `shared::Error`: `Unavailable` means "retry later", anything else is permanent.

pub mod email;
pub mod ical_fetch;
pub mod mercadopago;
pub mod stt;
pub mod whatsapp;

pub use email::EmailSender;
pub use ical_fetch::FeedFetcher;
pub use mercadopago::MercadoPagoClient;
pub use stt::{OpenAiTranscriber, SttError, Transcriber, Transcript, transcriber_from_settings};
pub use whatsapp::WhatsappClient;

use std::time::Duration;

/// An HTTP client for a provider: every request gives up after `timeout` (connecting after at
/// most 5 s), redirects are not followed, and it says who we are.
pub(crate) fn http_client(timeout: Duration) -> crate::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cabanas/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| crate::Error::Internal(Box::new(e)))
}
