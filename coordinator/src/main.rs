//! `aos-coordinator`: see [`aos_coordinator::cli`].

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match aos_coordinator::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
