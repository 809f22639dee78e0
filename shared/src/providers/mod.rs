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
