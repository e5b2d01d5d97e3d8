//! The adaptive log scanner against anvil behind a proxy that refuses wide `eth_getLogs`
//! ranges the way public RPCs do.

mod common;

use alloy::{primitives::B256, providers::Provider};
use aos_chain::{AosContracts, Devnet, LogScanner, TaskParams, domain_to_bytes32, provider_for};
use common::Proxy;

#[tokio::test]
async fn scans_from_the_deployment_block_and_shrinks_refused_ranges() {
    let net = Devnet::spawn().await.expect("devnet");
    // a deployment that does not start at block 0: mine 50 blocks, then move startBlock to
    // the head (a fresh anvil deploys at block 0)
    net.provider(0)
        .raw_request::<_, serde_json::Value>("anvil_mine".into(), (50u64,))
        .await
        .unwrap();
    let mut deployments = net.deployments.clone();
    deployments.start_block = net.provider(0).get_block_number().await.unwrap();
    assert!(deployments.start_block >= 50);
    let requester = net.contracts(1);
    let now = requester.chain_time().await.unwrap();
    let mut ids = Vec::new();
    for salt in 0..8u64 {
        let p = TaskParams::builder(net.address(1), now)
            .with_payment(1_000)
            .with_domain(domain_to_bytes32("summarisation").unwrap())
            .with_spec_hash(B256::repeat_byte(3))
            .with_salt(salt)
            .build();
        ids.push(requester.post_task(&p).await.unwrap().value);
    }

    // a provider that refuses ranges over 3 blocks; the scanner starts at 1,000
    let proxy = Proxy::spawn(net.rpc_url(), Some(3)).await;
    let c = AosContracts::new(
        provider_for(&proxy.url, net.signer(1)).unwrap(),
        deployments.clone(),
    );
    let c = c.clone().with_scanner(
        LogScanner::new(c.provider().clone())
            .with_range(1_000)
            .with_range_bounds(1, 1_000),
    );
    let posted = c.posted_tasks(None, None).await.unwrap();
    assert_eq!(posted.iter().map(|p| p.id).collect::<Vec<_>>(), ids);
    let ranges = proxy.log_ranges();
    assert!(
        ranges
            .iter()
            .all(|&(from, _)| from >= deployments.start_block),
        "never scans below the deployment block {}: {ranges:?}",
        deployments.start_block
    );
    assert_eq!(ranges.first().map(|r| r.0), Some(deployments.start_block));
    assert!(
        ranges.iter().any(|&(f, t)| t - f + 1 > 3),
        "asked wide first: {ranges:?}"
    );
    assert!(
        c.scanner().range() <= 3 * 2,
        "shrunk: {}",
        c.scanner().range()
    );

    // task_terms finds one task by id, and names a missing one
    let t = c.task_terms(ids[5]).await.unwrap();
    assert_eq!(t.id, ids[5]);
    let missing = c.task_terms(B256::repeat_byte(9)).await.unwrap_err();
    assert!(
        matches!(missing, aos_chain::TermsError::NoSuchTask { .. }),
        "{missing}"
    );
}
