//! `api` binary: see [`api::cli::Cli`].

use clap::Parser;

/// Password checks (19 MiB each) run on whichever blocking thread is free; glibc's malloc kept a
/// freed block per thread (376 MB after 100 logins, two at a time), mimalloc reuses and
/// returns them (104 MB peak): "Login memory" in docs/performance.md.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    shared::tls::install_crypto_provider();
    match api::cli::Cli::parse().run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
