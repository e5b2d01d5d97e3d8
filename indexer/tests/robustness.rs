//! Crash safety (`kill -9` of the real binary in the middle of a backfill), RPC faults
//! through a loopback proxy (JSON-RPC errors, 429, 502, a hang, an `eth_getLogs` range cap),
//! and bad input (logs with an unknown topic or malformed data). SQLite and PostgreSQL.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolEvent,
};
use aos_chain::{Devnet, task_market::TaskMarket};
use aos_indexer::{IndexerConfig, Store};
use axum::{extract::State, http::StatusCode, response::IntoResponse};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_backfill_then_restart_leaves_no_gap_and_no_duplicate() {
    let net = Devnet::spawn().await.expect("devnet");
    let posted = bulk_post(&net, 250, 2, 0).await;
    let truth = chain_logs(&net).await;
    let bin = env!("CARGO_BIN_EXE_aos-indexer");
    for db in TestDb::both().await {
        let run = || {
            std::process::Command::new(bin)
                .args([
                    "run",
                    "--rpc",
                    &net.rpc_url(),
                    "--db",
                    &db.url,
                    "--deployments",
                ])
                .arg(net.deployments_path())
                .args([
                    "--no-api",
                    "--exit-at-head",
                    "--initial-range",
                    "1",
                    "--max-range",
                    "1",
                    "--log",
                    "warn",
                ])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        let mut child = run();
        // wait until a good part (not all) of the backfill is committed, then SIGKILL
        let store = loop {
            match Store::connect(&db.url).await {
                Ok(s) => break s,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let start = net.deployments.start_block;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let c = store
                .cursor(net.deployments.chain_id)
                .await
                .ok()
                .flatten()
                .map_or(0, |c| c.number);
            if c > start + 80 {
                break;
            }
            assert!(Instant::now() < deadline, "backfill too slow");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let at_kill = store
            .cursor(net.deployments.chain_id)
            .await
            .unwrap()
            .unwrap()
            .number;
        let head = net.provider(0).get_block_number().await.unwrap();
        assert!(
            at_kill < head,
            "[{}] killed in the middle ({at_kill} < {head})",
            db.kind
        );
        // what is committed is exactly the chain's logs up to the cursor
        let partial: Vec<_> = truth.iter().filter(|l| l.1 <= at_kill).copied().collect();
        assert_eq!(
            db_logs(&store).await,
            partial,
            "[{}] consistent at the kill",
            db.kind
        );

        let status = run().wait().unwrap();
        assert!(status.success());
        assert_eq!(
            db_logs(&store).await,
            truth,
            "[{}] no gap, no duplicate after restart",
            db.kind
        );
        assert_eq!(store.count("tasks").await.unwrap() as u64, posted);
        store.close().await;
    }
}

/// A loopback JSON-RPC proxy in front of anvil that injects faults.
struct Proxy {
    upstream: String,
    n: AtomicU64,
    faults: AtomicU64,
    client: reqwest::Client,
}

async fn proxy(State(p): State<Arc<Proxy>>, body: String) -> axum::response::Response {
    let n = p.n.fetch_add(1, Ordering::Relaxed);
    let req: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let id = req["id"].clone();
    let method = req["method"].as_str().unwrap_or_default().to_owned();
    let fault = |p: &Proxy| p.faults.fetch_add(1, Ordering::Relaxed);
    // range cap: more than 8 blocks per eth_getLogs
    if method == "eth_getLogs" {
        let f = &req["params"][0];
        let hex = |v: &serde_json::Value| {
            u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)
                .unwrap_or(0)
        };
        if hex(&f["toBlock"]) - hex(&f["fromBlock"]) + 1 > 8 {
            fault(&p);
            return axum::Json(
                serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32005,
                "message": "query returned more than 10000 results"}}),
            )
            .into_response();
        }
    }
    match n % 11 {
        3 => {
            fault(&p);
            return (StatusCode::TOO_MANY_REQUESTS, "rate limited").into_response();
        }
        6 => {
            fault(&p);
            return (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response();
        }
        8 => {
            fault(&p);
            return axum::Json(serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "internal error, try again"}})).into_response();
        }
        _ => {}
    }
    if n == 20 || n == 45 {
        fault(&p);
        tokio::time::sleep(Duration::from_secs(5)).await; // longer than the client's timeout
    }
    let r = p
        .client
        .post(&p.upstream)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        text,
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_faults_through_a_proxy_end_with_the_same_rows() {
    let net = Devnet::spawn().await.expect("devnet");
    bulk_post(&net, 40, 3, 0).await;
    let state = Arc::new(Proxy {
        upstream: net.rpc_url(),
        n: AtomicU64::new(0),
        faults: AtomicU64::new(0),
        client: reqwest::Client::new(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/", axum::routing::post(proxy))
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let truth = chain_logs(&net).await;
    for db in TestDb::both().await {
        let clean = TestDb::sqlite();
        let (_, reference) = index_to_head(&net, &clean).await;
        let metrics = aos_indexer::Metrics::new();
        let rpc_cfg = aos_indexer::RpcConfig {
            timeout: Duration::from_millis(500),
            ..fast_rpc_cfg()
        };
        let rpc = aos_indexer::Rpc::new(&url, rpc_cfg, metrics.clone()).unwrap();
        let store = Store::connect(&db.url).await.unwrap();
        let cfg = IndexerConfig {
            initial_range: 64,
            ..fast_cfg()
        };
        let mut ix = aos_indexer::Indexer::new(
            rpc,
            store.clone(),
            net.deployments.clone(),
            cfg,
            metrics.clone(),
        );
        tokio::time::timeout(Duration::from_secs(90), ix.run())
            .await
            .expect("finishes")
            .unwrap();
        assert!(
            state.faults.load(Ordering::Relaxed) >= 10,
            "faults injected"
        );
        assert!(
            metrics
                .rpc_retries
                .with_label_values(&["eth_getLogs"])
                .get()
                + metrics
                    .rpc_retries
                    .with_label_values(&["eth_getBlockByNumber"])
                    .get()
                > 0
        );
        assert_eq!(
            db_logs(&store).await,
            truth,
            "[{}] same events as the chain",
            db.kind
        );
        assert_eq!(
            dump(&store).await,
            dump(&reference).await,
            "[{}] same derived rows as a clean run",
            db.kind
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_topic_and_malformed_logs_are_skipped_and_counted() {
    let net = Devnet::spawn().await.expect("devnet");
    let p0 = net.provider(0);
    let market = net.deployments.task_market;
    let original: Bytes = p0.get_code_at(market).await.unwrap();
    // runtime code: LOG1(unknown topic); LOG3(TaskSubmitted topic, 0, 0) with no data (needs 32 bytes); STOP
    let mut code = vec![0x7f];
    code.extend(B256::repeat_byte(0xde).0);
    code.extend([0x60, 0, 0x60, 0, 0xa1, 0x60, 0, 0x60, 0, 0x7f]);
    code.extend(TaskMarket::TaskSubmitted::SIGNATURE_HASH.0);
    code.extend([0x60, 0, 0x60, 0, 0xa3, 0x00]);
    raw(
        &p0,
        "anvil_setCode",
        serde_json::json!([market, Bytes::from(code)]),
    )
    .await;
    let tx = TransactionRequest::default().to(market).gas_limit(100_000);
    let r = p0
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(r.status() && r.inner.logs().len() == 2);
    raw(&p0, "anvil_setCode", serde_json::json!([market, original])).await;
    // and a normal event after it
    net.contracts(2)
        .register_agent([2; 32], B256::repeat_byte(2), [0; 64])
        .await
        .unwrap();

    let truth = chain_logs(&net).await;
    for db in TestDb::both().await {
        let (ix, store) = index_to_head(&net, &db).await;
        let m = ix.metrics();
        assert_eq!(m.skipped_total(), 2, "[{}]", db.kind);
        assert_eq!(m.skipped.with_label_values(&["unknown_topic"]).get(), 1);
        assert_eq!(m.skipped.with_label_values(&["malformed"]).get(), 1);
        assert!(
            m.render()
                .contains("aos_indexer_skipped_logs_total{reason=\"malformed\"} 1")
        );
        assert_eq!(
            db_logs(&store).await.len(),
            truth.len() - 2,
            "[{}] everything else mirrored",
            db.kind
        );
        assert_eq!(store.count("agents").await.unwrap(), 1);
    }
    let _ = U256::ZERO;
}
