//! Backfill throughput and head-following lag of the indexer on a local anvil holding
//! ≥ 100,000 real `TaskPosted` events (from `TaskMarket.postTask`, many txs per block with
//! automine off), into SQLite and into PostgreSQL (`DATABASE_URL`, default the local
//! server; skipped loudly when unreachable).
//!
//! `cargo run -p aos-indexer --bin indexer-bench [-- EVENTS [TXS_PER_BLOCK]]`

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use aos_chain::{Devnet, TaskParams, domain_to_bytes32, task_market::TaskMarket};
use aos_indexer::{Indexer, IndexerConfig, Metrics, Rpc, RpcConfig, Store};
use futures::StreamExt;

const TARGET_SQLITE_EPS: f64 = 15_000.0;

fn params(requester: Address, now: u64, salt: u64) -> TaskParams {
    TaskParams::builder(requester, now)
        .with_payment(1)
        .with_claim_in(Duration::from_secs(86_400))
        .with_complete_in(Duration::from_secs(2 * 86_400))
        .with_domain(
            domain_to_bytes32(["summarisation", "translation", "code"][(salt % 3) as usize])
                .expect("short"),
        )
        .with_spec_hash(B256::from(U256::from(salt)))
        .with_salt(salt)
        .build()
}

async fn raw(
    p: &impl Provider,
    m: &'static str,
    v: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    Ok(p.raw_request::<_, serde_json::Value>(m.into(), v).await?)
}

/// Post `n` tasks, `per_block` per block, from dev accounts 0..10 (anvil signs).
async fn produce(net: &Devnet, n: u64, per_block: u64, salt0: u64) -> anyhow::Result<()> {
    let p = net.provider(0);
    let now = net.contracts(0).chain_time().await?;
    raw(&p, "evm_setAutomine", serde_json::json!([false])).await?;
    let mut nonces = Vec::new();
    for i in 0..10 {
        nonces.push(p.get_transaction_count(net.address(i)).pending().await?);
    }
    let mut done = 0;
    while done < n {
        let k = per_block.min(n - done);
        let txs: Vec<TransactionRequest> = (0..k)
            .map(|j| {
                let acct = ((done + j) % 10) as usize;
                let from = net.address(acct);
                let input = TaskMarket::postTaskCall {
                    p: params(from, now, salt0 + done + j),
                }
                .abi_encode();
                let nonce = nonces[acct];
                nonces[acct] += 1;
                TransactionRequest::default()
                    .from(from)
                    .to(net.deployments.task_market)
                    .value(U256::from(1))
                    .input(input.into())
                    .nonce(nonce)
                    .gas_limit(200_000)
                    .gas_price(10_000_000_000)
            })
            .collect();
        let results: Vec<_> = futures::stream::iter(txs)
            .map(|tx| {
                let p = p.clone();
                async move {
                    p.raw_request::<_, B256>("eth_sendTransaction".into(), (tx,))
                        .await
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        for r in results {
            r?;
        }
        raw(&p, "evm_mine", serde_json::json!([])).await?;
        done += k;
    }
    raw(&p, "evm_setAutomine", serde_json::json!([true])).await?;
    Ok(())
}

async fn backfill(net: &Devnet, url: &str, label: &str, events: u64) -> anyhow::Result<f64> {
    let metrics = Metrics::new();
    let rpc = Rpc::new(
        &net.rpc_url(),
        RpcConfig {
            timeout: Duration::from_secs(120),
            ..RpcConfig::default()
        },
        metrics.clone(),
    )?;
    let store = Store::connect(url).await?;
    let cfg = IndexerConfig {
        exit_at_head: true,
        // start small and let the adaptive rule size the ranges (≈ target_logs logs each),
        // so fetching the next range overlaps writing the previous one
        initial_range: 1,
        ..IndexerConfig::default()
    };
    let mut ix = Indexer::new(
        rpc,
        store.clone(),
        net.deployments.clone(),
        cfg,
        metrics.clone(),
    );
    let t = Instant::now();
    ix.run().await?;
    let secs = t.elapsed().as_secs_f64();
    let n = store.count("events").await? as u64;
    anyhow::ensure!(n >= events, "mirrored {n} < {events}");
    let eps = n as f64 / secs;
    println!("backfill {label:>10}: {n} events in {secs:.2} s = {eps:.0} events/s");
    store.close().await;
    Ok(eps)
}

async fn pg_db() -> Option<(String, String, String)> {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sqlx::any::install_default_drivers();
    let pool =
        match tokio::time::timeout(Duration::from_secs(5), sqlx::AnyPool::connect(&base)).await {
            Ok(Ok(p)) => p,
            _ => {
                eprintln!("!!!! PostgreSQL at {base} unreachable: skipping its figures !!!!");
                return None;
            }
        };
    let name = format!("aos_idx_bench_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .ok()?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .ok()?;
    let (prefix, _) = base.rsplit_once('/')?;
    Some((format!("{prefix}/{name}"), base, name))
}

async fn drop_pg(base: &str, name: &str) {
    if let Ok(pool) = sqlx::AnyPool::connect(base).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
    }
}

/// Follow the head while a block with `per_block` posts is mined every `interval`; returns
/// (median latency from mining to mirrored, median lag in blocks just before each new block).
async fn follow(
    net: &Devnet,
    url: &str,
    blocks: u64,
    per_block: u64,
    interval: Duration,
) -> anyhow::Result<(Duration, u64)> {
    let metrics = Metrics::new();
    let rpc = Rpc::new(&net.rpc_url(), RpcConfig::default(), metrics.clone())?;
    let store = Store::connect(url).await?;
    let cfg = IndexerConfig {
        poll_interval: Duration::from_millis(50),
        ..IndexerConfig::default()
    };
    let mut ix = Indexer::new(rpc, store, net.deployments.clone(), cfg, metrics.clone());
    let task = tokio::spawn(async move { ix.run().await });
    let p = net.provider(0);
    // catch up first
    let head = p.get_block_number().await?;
    while (metrics.last_block.get() as u64) < head {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies = Vec::new();
    let mut lags = Vec::new();
    for b in 0..blocks {
        let t0 = Instant::now();
        produce(net, per_block, per_block, 10_000_000 + b * per_block).await?;
        let mined = p.get_block_number().await?;
        while (metrics.last_block.get() as u64) < mined {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(t0.elapsed());
        tokio::time::sleep(interval.saturating_sub(t0.elapsed())).await;
        lags.push(
            p.get_block_number()
                .await?
                .saturating_sub(metrics.last_block.get() as u64),
        );
    }
    task.abort();
    latencies.sort();
    lags.sort();
    Ok((latencies[latencies.len() / 2], lags[lags.len() / 2]))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let events = args.first().copied().unwrap_or(100_000);
    let per_block = args.get(1).copied().unwrap_or(2_000);
    let net = Devnet::spawn_with_args(&["--gas-limit", "2000000000", "--order", "fifo"]).await?;
    let t = Instant::now();
    produce(&net, events, per_block, 0).await?;
    let blocks = events.div_ceil(per_block);
    println!(
        "input: {events} TaskPosted events from TaskMarket.postTask in {blocks} blocks ({per_block} txs/block, 10 senders); produced in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let dir = tempfile_dir()?;
    let sqlite = dir.join("bench.sqlite");
    let eps = backfill(&net, &sqlite.display().to_string(), "SQLite", events).await?;
    println!(
        "           target ≥ {TARGET_SQLITE_EPS:.0} events/s on SQLite: {}",
        if eps >= TARGET_SQLITE_EPS {
            "met"
        } else {
            "NOT met"
        }
    );
    if let Some((url, base, name)) = pg_db().await {
        backfill(&net, &url, "PostgreSQL", events).await?;
        drop_pg(&base, &name).await;
    }
    let (lat, lag) = follow(
        &net,
        &sqlite.display().to_string(),
        20,
        50,
        Duration::from_millis(500),
    )
    .await?;
    println!(
        "head following (SQLite, a block of 50 posts every 500 ms, poll 50 ms): median latency mined → mirrored {} ms, median lag {lag} blocks (target < 1 block)",
        lat.as_millis()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("aos-indexer-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
