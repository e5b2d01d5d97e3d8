//! The `aos-indexer` command line (`main.rs` only calls [`run`]).

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use aos_chain::Deployments;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Indexer, IndexerConfig, KarmaParameters, Metrics, Rpc, RpcConfig, Store, api};

const EXAMPLES: &str = "\
Examples:
  # mirror a local devnet into a SQLite file and serve the API on 127.0.0.1:8080
  aos-indexer run --rpc http://127.0.0.1:8545 --deployments deployments/31337.json --db aos.sqlite

  # PostgreSQL, 2 confirmations, API on another port
  aos-indexer run --rpc https://rpc.example.org --deployments deployments/8453.json \\
      --db postgres://postgres@127.0.0.1:5432/aos --confirmations 2 --api-listen 127.0.0.1:9000

  # backfill only, then exit (no API)
  aos-indexer run --rpc http://127.0.0.1:8545 --deployments d.json --db aos.sqlite --exit-at-head --no-api

  curl 'http://127.0.0.1:8080/tasks?status=Open&domain=summarisation&min_payment=1000000000000000'
  curl 'http://127.0.0.1:8080/route?domain=summarisation&min_accuracy=0.5'";

/// AOS chain indexer: mirrors the AOS contracts' events into SQL and serves the routing API.
#[derive(Debug, Parser)]
#[command(name = "aos-indexer", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    #[command(flatten)]
    log: aos_args::LogArgs,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Backfill from the deployment block, then follow new heads and serve the API.
    #[command(after_help = EXAMPLES)]
    Run(RunArgs),
}

/// Where the chain is: the shared `--rpc` / `--deployments` (`aos-args`) and the indexer's
/// request tuning.
#[derive(Debug, Args)]
struct EndpointArgs {
    #[command(flatten)]
    chain: aos_args::RpcArgs,
    /// Per-request timeout in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    request_timeout_ms: u64,
    /// Attempts per RPC request (backoff doubles from 50 ms to 5 s).
    #[arg(long, default_value_t = 8)]
    rpc_attempts: usize,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    rpc: EndpointArgs,
    #[command(flatten)]
    db: aos_args::DbArgs,
    /// API listen address (host:port).
    #[arg(long, env = "AOS_API_LISTEN", default_value = "127.0.0.1:8080")]
    api_listen: SocketAddr,
    /// Do not serve the API.
    #[arg(long)]
    no_api: bool,
    /// Blocks to stay behind the head.
    #[arg(long, default_value_t = 0)]
    confirmations: u64,
    /// Recent block hashes kept: the deepest reorg repaired (deeper ones stop the indexer).
    #[arg(long, default_value_t = 128)]
    reorg_window: u64,
    /// Head polling interval in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_interval_ms: u64,
    /// First eth_getLogs range in blocks (adapts: halves on range errors, doubles after successes).
    #[arg(long, default_value_t = 1_000)]
    initial_range: u64,
    /// Largest eth_getLogs range in blocks.
    #[arg(long, default_value_t = 10_000)]
    max_range: u64,
    /// Logs per eth_getLogs range to aim at (denser ranges shrink).
    #[arg(long, default_value_t = 10_000)]
    target_logs: u64,
    /// Exit once the head is reached (backfill only).
    #[arg(long)]
    exit_at_head: bool,
    /// Karma half-life in seconds for decay in the API, overriding KarmaRegistry.halfLife()
    /// (which is read at start in any case: the indexer does not start without it).
    #[arg(long)]
    karma_half_life: Option<u64>,
}

/// Parse the command line and run it.
///
/// # Errors
/// Any failure, with context (the binary prints it and exits 1).
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.log.init("info");
    match cli.cmd {
        Cmd::Run(a) => run_cmd(a).await,
    }
}

async fn run_cmd(a: RunArgs) -> anyhow::Result<()> {
    let (Some(rpc_url), Some(deployments)) = (&a.rpc.chain.rpc, &a.rpc.chain.deployments) else {
        anyhow::bail!(
            "aos-indexer run needs --rpc URL and --deployments FILE (or AOS_RPC and \
             AOS_DEPLOYMENTS)"
        );
    };
    let deployments = Deployments::load(deployments).context("loading the deployments file")?;
    let metrics = Metrics::new();
    let rpc_cfg = RpcConfig {
        timeout: Duration::from_millis(a.rpc.request_timeout_ms),
        max_attempts: a.rpc.rpc_attempts.max(1),
        ..RpcConfig::default()
    };
    let rpc = Rpc::new(rpc_url, rpc_cfg, metrics.clone()).context("RPC URL")?;
    let store = Store::connect(&a.db.db)
        .await
        .with_context(|| format!("opening the database {}", redact(&a.db.db)))?;
    // the API decays karma to now with the registry's half-life: read it, never assume it
    let karma = match a.no_api {
        true => None,
        false => {
            let mut k = KarmaParameters::read(rpc.provider(), deployments.karma_registry)
                .await
                .context("reading KarmaRegistry's parameters (the decay half-life)")?;
            if let Some(h) = a.karma_half_life {
                k.half_life_s = h;
            }
            Some(k)
        }
    };
    let cfg = IndexerConfig {
        confirmations: a.confirmations,
        reorg_window: a.reorg_window.max(1),
        poll_interval: Duration::from_millis(a.poll_interval_ms.max(1)),
        initial_range: a.initial_range.max(1),
        max_range: a.max_range.max(1),
        exit_at_head: a.exit_at_head,
        target_logs: a.target_logs.max(1),
    };
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr()).with_style(
        ProgressStyle::with_template(
            "{spinner} backfill [{bar:40}] {pos}/{len} blocks ({percent}%) {msg} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut indexer = Indexer::new(
        rpc,
        store.clone(),
        deployments.clone(),
        cfg,
        metrics.clone(),
    )
    .with_progress(bar);
    if let Some(karma) = karma {
        let state = api::ApiState {
            store: store.clone(),
            metrics: metrics.clone(),
            chain_id: deployments.chain_id,
            karma,
        };
        let listener = tokio::net::TcpListener::bind(a.api_listen)
            .await
            .with_context(|| format!("binding {}", a.api_listen))?;
        tracing::info!(address = %listener.local_addr()?, "API listening");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, api::router(state)).await {
                tracing::error!(error = %e, "API server stopped");
            }
        });
    }
    tokio::select! {
        r = indexer.run() => r.context("indexer stopped")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted; the last committed batch is kept"),
    }
    store.close().await;
    Ok(())
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}
