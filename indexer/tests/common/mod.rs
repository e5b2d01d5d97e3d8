//! Shared test helpers: databases (SQLite file, PostgreSQL database per test), devnet
//! actions, chain truth.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
};
use aos_chain::{Devnet, TaskParams, domain_to_bytes32};
use aos_indexer::{Indexer, IndexerConfig, Metrics, Rpc, RpcConfig, Store};

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database for one test: a SQLite file in a temp dir, or a fresh PostgreSQL database
/// (dropped on drop).
pub struct TestDb {
    pub url: String,
    pub kind: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("mirror.sqlite").display().to_string();
        Self {
            url,
            kind: "sqlite",
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh database on `DATABASE_URL` (default the local PostgreSQL); `None` (and a loud
    /// message) if it is unreachable.
    pub async fn postgres() -> Option<Self> {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG.to_owned());
        sqlx::any::install_default_drivers();
        let conn =
            tokio::time::timeout(Duration::from_secs(5), sqlx::AnyPool::connect(&base)).await;
        let pool = match conn {
            Ok(Ok(p)) => p,
            other => {
                eprintln!(
                    "\n!!!! SKIPPING the PostgreSQL half of this test: {base} unreachable ({:?}) !!!!\n",
                    other.map(|r| r.err())
                );
                return None;
            }
        };
        let name = format!(
            "aos_idx_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            rand_suffix()
        );
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (prefix, _) = base.rsplit_once('/').unwrap();
        Some(Self {
            url: format!("{prefix}/{name}"),
            kind: "postgres",
            _dir: None,
            pg: Some((base, name)),
        })
    }

    /// SQLite always, PostgreSQL when reachable.
    pub async fn both() -> Vec<Self> {
        let mut v = vec![Self::sqlite()];
        v.extend(Self::postgres().await);
        v
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(pool) = sqlx::AnyPool::connect(&base).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&pool)
                                .await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn fast_cfg() -> IndexerConfig {
    IndexerConfig {
        poll_interval: Duration::from_millis(20),
        exit_at_head: true,
        ..IndexerConfig::default()
    }
}

pub fn fast_rpc_cfg() -> RpcConfig {
    RpcConfig {
        timeout: Duration::from_secs(5),
        max_attempts: 10,
        min_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(100),
    }
}

/// A new indexer over `rpc_url` into `db`.
pub async fn indexer(
    net: &Devnet,
    rpc_url: &str,
    db: &TestDb,
    cfg: IndexerConfig,
) -> (Indexer, Store) {
    let metrics = Metrics::new();
    let rpc = Rpc::new(rpc_url, fast_rpc_cfg(), metrics.clone()).unwrap();
    let store = Store::connect(&db.url).await.unwrap();
    (
        Indexer::new(rpc, store.clone(), net.deployments.clone(), cfg, metrics),
        store,
    )
}

/// Index `net` into `db` up to the head.
pub async fn index_to_head(net: &Devnet, db: &TestDb) -> (Indexer, Store) {
    let (mut ix, store) = indexer(net, &net.rpc_url(), db, fast_cfg()).await;
    ix.run().await.unwrap();
    (ix, store)
}

pub fn params(requester: Address, now: u64, salt: u64, payment: u128) -> TaskParams {
    TaskParams::builder(requester, now)
        .with_payment(payment)
        .with_max_delegation_depth(2)
        .with_domain(domain_to_bytes32("summarisation").unwrap())
        .with_spec_hash(B256::repeat_byte(7))
        .with_salt(salt)
        .build()
}

pub async fn raw(
    p: &DynProvider,
    method: &'static str,
    params: serde_json::Value,
) -> serde_json::Value {
    p.raw_request::<_, serde_json::Value>(method.into(), params)
        .await
        .unwrap()
}

pub async fn increase_time(p: &DynProvider, secs: u64) {
    raw(p, "evm_increaseTime", serde_json::json!([secs])).await;
    raw(p, "evm_mine", serde_json::json!([])).await;
}

/// Every AOS log on chain from the deployment block: (block hash, log index).
pub async fn chain_logs(net: &Devnet) -> Vec<(B256, u64, u64)> {
    let p = net.provider(0);
    let d = &net.deployments;
    let head = p.get_block_number().await.unwrap();
    let f = Filter::new()
        .from_block(d.start_block)
        .to_block(head)
        .address(vec![
            d.task_market,
            d.agent_registry,
            d.karma_registry,
            d.dispute_court,
        ]);
    p.get_logs(&f)
        .await
        .unwrap()
        .into_iter()
        .map(|l| {
            (
                l.block_hash.unwrap(),
                l.block_number.unwrap(),
                l.log_index.unwrap(),
            )
        })
        .collect()
}

/// (block hash, block number, log index) of every mirrored event.
pub async fn db_logs(store: &Store) -> Vec<(B256, u64, u64)> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT block_hash, block_number, log_index FROM events ORDER BY block_number, log_index",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get::<String, _>(0).parse().unwrap(),
                r.get::<i64, _>(1) as u64,
                r.get::<i64, _>(2) as u64,
            )
        })
        .collect()
}

/// A stable dump of the derived tables, to compare two mirrors.
pub async fn dump(store: &Store) -> Vec<String> {
    use sqlx::Row;
    let mut out = Vec::new();
    for (t, cols, order) in [
        (
            "tasks",
            "task_id, status, worker, result_hash, ruling, finalized",
            "task_id",
        ),
        ("agents", "account, agent_key, registered", "account"),
        (
            "karma",
            "agent, domain, accuracy, completion, updated_at, tasks, disputes_won, disputes_lost",
            "agent, domain",
        ),
        (
            "claims",
            "block_number, log_index, task_id, worker",
            "block_number, log_index",
        ),
        (
            "submissions",
            "block_number, log_index, task_id, result_hash",
            "block_number, log_index",
        ),
        (
            "evidence",
            "block_number, log_index, tx_hash, task_id, party, evidence",
            "block_number, log_index",
        ),
        (
            "withdrawals",
            "block_number, log_index, account, asset",
            "block_number, log_index",
        ),
        (
            "votes",
            "round, juror, state, commitment, choice, verdict",
            "round, juror",
        ),
        (
            "disputes",
            "arbitrable, task_id, phase, round, seats, ruling, solved, delivered",
            "task_id",
        ),
        ("earnings", "agent, asset", "agent, asset"),
        ("jurors", "juror, leave_available_at", "juror"),
    ] {
        let n = cols.split(", ").count();
        let rows = sqlx::query(&format!("SELECT {cols} FROM {t} ORDER BY {order}"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        for r in rows {
            let mut line = format!("{t}:");
            for i in 0..n {
                let v = r
                    .try_get::<Option<String>, _>(i)
                    .ok()
                    .flatten()
                    .or_else(|| {
                        r.try_get::<Option<i64>, _>(i)
                            .ok()
                            .flatten()
                            .map(|x| x.to_string())
                    })
                    .unwrap_or_else(|| "NULL".into());
                line.push_str(&v);
                line.push('|');
            }
            out.push(line);
        }
    }
    out
}

/// Serve the API for `store` on an ephemeral port; returns its base URL.
pub async fn serve_api(store: Store, net: &Devnet, metrics: Metrics) -> String {
    let state = aos_indexer::api::ApiState {
        store,
        metrics,
        chain_id: net.deployments.chain_id,
        karma: aos_indexer::KarmaParameters::read(&net.provider(0), net.deployments.karma_registry)
            .await
            .unwrap(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, aos_indexer::api::router(state))
            .await
            .unwrap()
    });
    format!("http://{addr}")
}

pub async fn get(base: &str, path: &str) -> (u16, serde_json::Value) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

pub fn u(v: &serde_json::Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

/// `blocks` blocks holding `per_block` `postTask` txs each (automine off, then `evm_mine`),
/// from dev account 1. Returns the number of tasks posted.
pub async fn bulk_post(net: &Devnet, blocks: u64, per_block: u64, salt0: u64) -> u64 {
    let p0 = net.provider(0);
    let r = net.contracts(1);
    let now = r.chain_time().await.unwrap();
    raw(&p0, "evm_setAutomine", serde_json::json!([false])).await;
    let mut n = 0;
    for _ in 0..blocks {
        for _ in 0..per_block {
            n += 1;
            let p = params(net.address(1), now, salt0 + n, 1_000);
            let _pending = r
                .market
                .postTask(p)
                .value(U256::from(1_000))
                .gas(300_000)
                .send()
                .await
                .unwrap();
        }
        raw(&p0, "evm_mine", serde_json::json!([])).await;
    }
    raw(&p0, "evm_setAutomine", serde_json::json!([true])).await;
    n
}
