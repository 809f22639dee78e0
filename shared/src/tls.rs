//! The process's one rustls crypto provider.
//!
//! sqlx, reqwest and lettre pass aws-lc-rs to rustls explicitly, but the Redis client builds its
//! `rediss://` TLS configuration from the process-wide default provider and fails without one
//! ("no process-level CryptoProvider"). Installing aws-lc-rs first thing in every binary, and again before
//! any Redis client is built (tests and CLI paths), keeps exactly one provider in the process.

/// Installs aws-lc-rs as the process's rustls crypto provider, unless one already is.
pub fn install_crypto_provider() {
    // An error only says a provider is installed already: aws-lc-rs, since no other is built.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
