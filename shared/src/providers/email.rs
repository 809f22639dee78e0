//! SMTP client of the guest emails (lettre, tokio, rustls with the aws-lc-rs provider).
//!
//! Failure classification:
//! * a 5xx answer of the mail server (unknown mailbox, refused sender) and an address that
//!   cannot be parsed → [`SendError::Permanent`]: retrying gives the same answer;
//! * anything else (connection refused, timeout, 4xx "try later", TLS trouble) →
//!   [`SendError::Transient`]: the job retries with backoff.
//!
//! The password is only handed to the transport; `Debug` never prints it. Recipients are
//! masked in every log line.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{
        PoolConfig,
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};

use crate::{Error, Result, config::Settings, config_email::SmtpTls, mask};

/// One email ready to send: subject and both bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailContent {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (every interpolated value escaped).
    pub html: String,
}

/// Why an email was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Retrying cannot help (bad address, 5xx answer).
    #[error("permanent email failure: {0}")]
    Permanent(String),
    /// Retrying later may help (server down, timeout, 4xx answer).
    #[error("transient email failure: {0}")]
    Transient(String),
}

impl SendError {
    /// Whether a later attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// The mail sender built from the `SMTP_*` settings; disabled when `SMTP_HOST` is unset.
#[derive(Clone)]
pub struct EmailSender {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender")
            .field("enabled", &self.transport.is_some())
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

fn config_error(message: String) -> Error {
    Error::Internal(message.into())
}

impl EmailSender {
    /// The sender of the settings (validated by `Settings::validate`).
    pub fn from_settings(settings: &Settings) -> Result<Self> {
        let from: Mailbox = settings
            .email_from
            .parse()
            .map_err(|e| config_error(format!("EMAIL_FROM: {e}")))?;
        let reply_to = settings
            .email_reply_to
            .as_deref()
            .map(str::parse::<Mailbox>)
            .transpose()
            .map_err(|e| config_error(format!("EMAIL_REPLY_TO: {e}")))?;
        let transport = match settings.smtp_host.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(host) => Some(build_transport(settings, host)?),
        };
        Ok(Self {
            transport,
            from,
            reply_to,
        })
    }

    /// Whether emails are sent at all.
    pub fn is_enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// Builds the MIME message (plain text + HTML alternative) for `to`.
    pub fn message(
        &self,
        to_address: &str,
        to_name: &str,
        content: &EmailContent,
    ) -> std::result::Result<Message, SendError> {
        let address = to_address
            .parse::<lettre::Address>()
            .map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?;
        let to = Mailbox::new(Some(to_name.to_owned()), address);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(content.subject.clone());
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                content.text.clone(),
                content.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("message not built: {e}")))
    }

    /// Sends one email. Call only when [`Self::is_enabled`]; a disabled sender refuses
    /// permanently.
    pub async fn send(
        &self,
        to_address: &str,
        to_name: &str,
        content: &EmailContent,
    ) -> std::result::Result<(), SendError> {
        let Some(transport) = &self.transport else {
            return Err(SendError::Permanent("email is not configured".into()));
        };
        let message = self.message(to_address, to_name, content)?;
        match transport.send(message).await {
            Ok(_) => {
                tracing::info!(recipient = %mask::email(to_address), "email sent");
                Ok(())
            }
            Err(e) => {
                let classified = if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                };
                tracing::warn!(
                    recipient = %mask::email(to_address),
                    error = %classified,
                    "email not sent"
                );
                Err(classified)
            }
        }
    }
}

fn build_transport(settings: &Settings, host: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let tls = match settings.smtp_tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls | SmtpTls::Tls => {
            let params = TlsParameters::builder(host.to_owned())
                .build_rustls()
                .map_err(|e| config_error(format!("SMTP TLS: {e}")))?;
            if settings.smtp_tls == SmtpTls::Tls {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(settings.smtp_port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(settings.smtp_timeout_seconds)))
        .pool_config(PoolConfig::new().max_size(4));
    if let Some(user) = &settings.smtp_username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            settings.smtp_password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender() -> EmailSender {
        EmailSender::from_settings(&Settings::default()).expect("default sender")
    }

    #[test]
    fn without_a_host_email_is_off() {
        assert!(!sender().is_enabled());
    }

    #[test]
    fn a_bad_recipient_is_a_permanent_failure() {
        let content = EmailContent {
            subject: "s".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        };
        let err = sender()
            .message("not-an-address", "Ana", &content)
            .expect_err("refused");
        assert!(!err.is_transient());
    }

    #[test]
    fn the_message_has_both_bodies_and_the_reply_to() {
        let settings = Settings {
            email_reply_to: Some("owner@example.com".into()),
            ..Settings::default()
        };
        let sender = EmailSender::from_settings(&settings).expect("sender");
        let content = EmailContent {
            subject: "Tu reserva".into(),
            text: "hola".into(),
            html: "<p>hola</p>".into(),
        };
        let raw = sender
            .message("ana@example.com", "Ana", &content)
            .expect("built")
            .formatted();
        let raw = String::from_utf8_lossy(&raw);
        assert!(raw.contains("text/plain"));
        assert!(raw.contains("text/html"));
        assert!(raw.contains("Reply-To: owner@example.com"));
    }
}
