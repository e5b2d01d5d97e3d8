//! Reorgs on a real anvil (`evm_snapshot` / `evm_revert`, then a different branch): rows of
//! the dropped blocks disappear, the new branch's appear, derived state (task status,
//! karma, earnings) equals the chain's again; the same when the reorg happens while the
//! indexer is stopped; a reorg deeper than the window stops the indexer loudly.

mod common;

use alloy::primitives::{Address, B256, U256};
use aos_chain::{Devnet, task_id_of};
use aos_indexer::{IndexerConfig, IndexerError};
use common::*;

async fn snapshot(net: &Devnet) -> serde_json::Value {
    raw(&net.provider(0), "evm_snapshot", serde_json::json!([])).await
}

async fn revert(net: &Devnet, id: serde_json::Value) {
    assert_eq!(
        raw(&net.provider(0), "evm_revert", serde_json::json!([id])).await,
        serde_json::json!(true)
    );
}

async fn karma_matches_chain(net: &Devnet, store: &aos_indexer::Store, who: usize) {
    let api = serve_api(store.clone(), net, aos_indexer::Metrics::new()).await;
    let c = net.contracts(0);
    let at = {
        use alloy::providers::Provider;
        c.provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp
    };
    let (_, ag) = get(&api, &format!("/agents/{}?at={at}", net.address(who))).await;
    let dom = aos_chain::domain_to_bytes32("summarisation").unwrap();
    let (acc, comp) = c.karma_scores(net.address(who), dom).await.unwrap();
    let k = &ag["karma"][0];
    assert_eq!(
        (u(&k["accuracyDecayedWad"]), u(&k["completionDecayedWad"])),
        (acc, comp)
    );
    let rec = c.karma.karmaOf(net.address(who), dom).call().await.unwrap();
    assert_eq!(k["tasks"], rec.tasks as i64);
    let earned = c
        .karma
        .earningsOf(net.address(who), Address::ZERO)
        .call()
        .await
        .unwrap();
    assert_eq!(u(&ag["earnings"][0]["total"]), earned);
}

/// One accepted task by worker 2 for requester 1; returns its id.
async fn lifecycle(net: &Devnet, salt: u64) -> B256 {
    let (r, w) = (net.contracts(1), net.contracts(2));
    let now = r.chain_time().await.unwrap();
    let p = params(net.address(1), now, salt, 10_000_000_000_000_000);
    let id = r.post_task(&p).await.unwrap().value;
    w.claim(&p).await.unwrap();
    w.submit(id, B256::repeat_byte(salt as u8)).await.unwrap();
    r.accept(&p).await.unwrap();
    id
}

/// A task of worker 2 for requester 1, submitted, with the worker's evidence on record
/// (no rejection: evidence is allowed while Submitted); returns its id.
async fn submitted_with_evidence(net: &Devnet, salt: u64) -> B256 {
    let (r, w) = (net.contracts(1), net.contracts(2));
    let now = r.chain_time().await.unwrap();
    let p = params(net.address(1), now, salt, 10_000_000_000_000_000);
    let id = r.post_task(&p).await.unwrap().value;
    w.claim(&p).await.unwrap();
    w.submit(id, B256::repeat_byte(salt as u8)).await.unwrap();
    w.submit_evidence(&p, aos_protocol::ContentId::of(&salt.to_be_bytes()))
        .await
        .unwrap();
    id
}

async fn post(net: &Devnet, salt: u64) -> B256 {
    let r = net.contracts(1);
    let now = r.chain_time().await.unwrap();
    let p = params(net.address(1), now, salt, 1_000);
    r.post_task(&p).await.unwrap();
    task_id_of(&p)
}

async fn has_task(store: &aos_indexer::Store, id: B256) -> bool {
    use sqlx::Row;
    let r = sqlx::query("SELECT COUNT(*) FROM tasks WHERE task_id = $1")
        .bind(format!("{id:#x}"))
        .fetch_one(store.pool())
        .await
        .unwrap();
    r.get::<i64, _>(0) == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorgs_roll_back_and_replay() {
    let net = Devnet::spawn().await.expect("devnet");
    net.contracts(2)
        .register_agent([2; 32], B256::repeat_byte(2), [0; 64])
        .await
        .unwrap();
    lifecycle(&net, 1).await;
    let dbs = TestDb::both().await;
    let mut ixs = Vec::new();
    for db in &dbs {
        let (mut ix, store) = indexer(&net, &net.rpc_url(), db, fast_cfg()).await;
        ix.run().await.unwrap();
        ixs.push((ix, store));
    }

    // 1. reorg under a running indexer: the dropped branch had a full lifecycle (karma and
    //    earnings moved) and a post
    let snap = snapshot(&net).await;
    let dropped_a = lifecycle(&net, 2).await;
    let dropped_b = post(&net, 3).await;
    let dropped_e = submitted_with_evidence(&net, 7).await;
    for (ix, store) in &mut ixs {
        ix.run().await.unwrap();
        assert!(has_task(store, dropped_a).await && has_task(store, dropped_b).await);
        assert!(has_task(store, dropped_e).await);
        assert_eq!(store.count("evidence").await.unwrap(), 1);
        karma_matches_chain(&net, store, 2).await;
    }
    revert(&net, snap).await;
    let kept = post(&net, 4).await;
    for _ in 0..8 {
        raw(&net.provider(0), "evm_mine", serde_json::json!([])).await;
    }
    let truth = chain_logs(&net).await;
    for ((ix, store), db) in ixs.iter_mut().zip(&dbs) {
        ix.run().await.unwrap();
        assert_eq!(ix.metrics().reorgs.get(), 1, "[{}]", db.kind);
        assert!(
            !has_task(store, dropped_a).await && !has_task(store, dropped_b).await,
            "[{}] dropped rows gone",
            db.kind
        );
        assert!(
            has_task(store, kept).await,
            "[{}] new branch mirrored",
            db.kind
        );
        assert_eq!(db_logs(store).await, truth, "[{}] events = chain", db.kind);
        karma_matches_chain(&net, store, 2).await;
        assert_eq!(store.count("claims").await.unwrap(), 1);
        assert_eq!(store.count("tasks").await.unwrap(), 2);
        assert_eq!(
            store.count("evidence").await.unwrap(),
            0,
            "[{}] the dropped branch's evidence is gone",
            db.kind
        );
    }

    // 2. reorg while the indexers are stopped: detected by hash at start
    let snap = snapshot(&net).await;
    let dropped_c = lifecycle(&net, 5).await;
    for (ix, _) in &mut ixs {
        ix.run().await.unwrap();
    }
    drop(ixs);
    revert(&net, snap).await;
    let kept2 = post(&net, 6).await;
    for _ in 0..6 {
        raw(&net.provider(0), "evm_mine", serde_json::json!([])).await;
    }
    let truth = chain_logs(&net).await;
    for db in &dbs {
        let (mut ix, store) = indexer(&net, &net.rpc_url(), db, fast_cfg()).await;
        ix.run().await.unwrap();
        assert_eq!(ix.metrics().reorgs.get(), 1, "[{}] found at start", db.kind);
        assert!(!has_task(&store, dropped_c).await && has_task(&store, kept2).await);
        assert_eq!(db_logs(&store).await, truth, "[{}]", db.kind);
        karma_matches_chain(&net, &store, 2).await;
    }

    // 3. deeper than the window: a loud stop, nothing rolled back
    let snap = snapshot(&net).await;
    for s in 0..6 {
        post(&net, 100 + s).await;
    }
    let cfg = IndexerConfig {
        reorg_window: 3,
        ..fast_cfg()
    };
    for db in &dbs {
        let (mut ix, _) = indexer(&net, &net.rpc_url(), db, cfg.clone()).await;
        ix.run().await.unwrap();
    }
    revert(&net, snap).await;
    for _ in 0..10 {
        raw(&net.provider(0), "evm_mine", serde_json::json!([])).await;
    }
    for db in &dbs {
        let (mut ix, store) = indexer(&net, &net.rpc_url(), db, cfg.clone()).await;
        let err = ix.run().await.unwrap_err();
        assert!(
            matches!(err, IndexerError::DeepReorg { window: 3, .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("reorg deeper than the window"),
            "{err}"
        );
        assert_eq!(
            store.count("tasks").await.unwrap(),
            3 + 6,
            "[{}] nothing rolled back",
            db.kind
        );
    }
    let _ = U256::ZERO;
}
