//! `aos-indexer`: see `aos-indexer --help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match aos_indexer::cli::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
