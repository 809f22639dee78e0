//! `api` binary: see [`api::cli::Cli`].

use clap::Parser;

/// Freed memory goes back to the OS; with glibc's malloc a burst of logins left the process at
/// its peak RSS (see "Login memory" in docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match api::cli::Cli::parse().run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
