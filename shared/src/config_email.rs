//! The guest emails' settings (`SMTP_*`, `EMAIL_*`): their checks. Email is off while
//! `SMTP_HOST` is unset; the notice jobs then record `skipped`.

use serde::{Deserialize, Serialize};

use crate::config::{AppEnv, Settings};

/// How the connection to the mail server is protected.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption at all: local test servers only, refused in production.
    None,
}

impl Settings {
    /// Whether guest emails are configured.
    pub fn email_enabled(&self) -> bool {
        self.smtp_host
            .as_deref()
            .is_some_and(|h| !h.trim().is_empty())
    }

    /// The guest emails' checks.
    pub(crate) fn validate_email(&self, problems: &mut Vec<String>) {
        if !(1..=120).contains(&self.smtp_timeout_seconds) {
            problems.push("SMTP_TIMEOUT_SECONDS must be between 1 and 120".into());
        }
        if !self.email_enabled() {
            return;
        }
        if self.smtp_port == 0 {
            problems.push("SMTP_PORT must be a port number".into());
        }
        if self.app_env == AppEnv::Production && self.smtp_tls == SmtpTls::None {
            problems.push("SMTP_TLS=none is refused in production".into());
        }
        if self.email_from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push(format!(
                "EMAIL_FROM {:?} is not an address like `Cabañas <reservas@example.com>`",
                self.email_from
            ));
        }
        if let Some(reply_to) = &self.email_reply_to
            && reply_to.parse::<lettre::message::Mailbox>().is_err()
        {
            problems.push(format!(
                "EMAIL_REPLY_TO {reply_to:?} is not an email address"
            ));
        }
        if self.smtp_username.is_some() && !self.smtp_password.is_set() {
            problems.push("SMTP_PASSWORD must be set when SMTP_USERNAME is".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host() -> Settings {
        Settings {
            smtp_host: Some("smtp.example.com".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn email_is_off_without_a_host_and_needs_nothing_else() {
        let settings = Settings {
            email_from: "not an address".into(),
            ..Settings::default()
        };
        assert!(!settings.email_enabled());
        let mut problems = Vec::new();
        settings.validate_email(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_plain_connection_is_refused_in_production_only() {
        let mut problems = Vec::new();
        let dev = Settings {
            smtp_tls: SmtpTls::None,
            ..with_host()
        };
        dev.validate_email(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let prod = Settings {
            app_env: AppEnv::Production,
            ..dev
        };
        prod.validate_email(&mut problems);
        assert!(problems.iter().any(|p| p.contains("SMTP_TLS")));
    }

    #[test]
    fn a_bad_sender_or_a_user_without_password_is_reported() {
        let settings = Settings {
            email_from: "Cabañas".into(),
            smtp_username: Some("user".into()),
            ..with_host()
        };
        let mut problems = Vec::new();
        settings.validate_email(&mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
