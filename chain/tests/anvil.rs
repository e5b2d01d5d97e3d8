//! aos-chain against a real anvil with the contracts deployed by script/Deploy.s.sol.

use alloy::primitives::{Address, B256, U256};
use aos_chain::{
    ChainError, Devnet, TaskParams, TaskStatus, domain_to_bytes32, stake_of, task_id_of,
};

fn params(requester: Address, now: u64, salt: u64) -> TaskParams {
    TaskParams::builder(requester, now)
        .with_payment(50_000_000_000_000_000u128) // 0.05 ETH
        .with_max_delegation_depth(2)
        .with_domain(domain_to_bytes32("summarisation").unwrap())
        .with_spec_hash(B256::repeat_byte(7))
        .with_salt(salt)
        .build()
}

#[tokio::test]
async fn deploy_post_read_back_and_decode_errors() {
    let net = Devnet::spawn().await.expect("devnet");
    assert_eq!(net.deployments.chain_id, 31337);
    let requester = net.contracts(1);
    let worker = net.contracts(2);
    let now = requester.chain_time().await.unwrap();
    let p = params(net.address(1), now, 1);

    // post, and read the task back
    let posted = requester.post_task(&p).await.unwrap();
    assert_eq!(
        posted.value,
        task_id_of(&p),
        "TaskPosted id == keccak256(abi.encode(params))"
    );
    assert!(posted.gas_used > 21_000);
    let state = requester.task_state(posted.value).await.unwrap();
    assert_eq!(TaskStatus::from_u8(state.status), Some(TaskStatus::Open));
    assert_eq!(state.deadline.to::<u64>(), now + 3600);

    // a failing call decodes into a readable custom error
    let err = worker.claim(&p).await.unwrap_err();
    let reason = err.revert_reason().unwrap_or_default().to_string();
    assert!(
        reason.starts_with("TaskMarketNotRegistered(account: ")
            && reason.contains(&net.address(2).to_checksum(None)),
        "{err}"
    );
    assert!(err.revert().and_then(aos_chain::Revert::hint).is_some());
    assert!(matches!(err, ChainError::Reverted { .. }) && !err.is_retryable());

    // register the worker (a real Ed25519 binding is the protocol crate's job; any 64 bytes here)
    worker
        .register_agent([9u8; 32], B256::repeat_byte(1), [0u8; 64])
        .await
        .unwrap();
    let msg = worker.binding_message(net.address(2)).await.unwrap();
    assert_eq!(msg.len(), 92);

    // claim → submit → accept → withdraw
    worker.claim(&p).await.unwrap();
    assert_eq!(
        worker.task_status(posted.value).await.unwrap(),
        TaskStatus::Claimed
    );
    worker
        .submit(posted.value, B256::repeat_byte(0xee))
        .await
        .unwrap();
    requester.accept(&p).await.unwrap();
    let owed = worker
        .market_balance(net.address(2), Address::ZERO)
        .await
        .unwrap();
    assert_eq!(owed, U256::from(p.payment) + stake_of(&p));
    let w = worker
        .withdraw(Address::ZERO, net.address(2))
        .await
        .unwrap();
    assert_eq!(w.value, owed);
    let (acc, comp) = worker.karma_scores(net.address(2), p.domain).await.unwrap();
    assert!(acc > U256::ZERO && comp > U256::ZERO);

    // a second accept reverts with the status it is in
    let err = requester.accept(&p).await.unwrap_err();
    assert!(err.to_string().contains("TaskMarketWrongStatus"), "{err}");
}
