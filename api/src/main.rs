//! `api` binary: see [`api::cli::Cli`].

use clap::Parser;

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
