//! `aos-coordinator`: see [`aos_coordinator::cli`].

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    aos_coordinator::cli::run().await
}
