//! aos-chain against a real anvil with the contracts deployed by script/Deploy.s.sol.

use alloy::primitives::{Address, B256, U256};
use aos_chain::{
    ChainError, Devnet, Revert, TaskEvidence, TaskParams, TaskStatus, domain_to_bytes32, stake_of,
    task_id_of, task_market::TaskMarket,
};
use aos_protocol::ContentId;

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

/// Evidence (ERC-1497 style): the rejection carries the requester's verdict, the worker
/// replies, a stranger and the zero id are refused; `task_evidence` and `task_events` read
/// them back in chain order.
#[tokio::test]
async fn rejection_carries_evidence_and_the_worker_replies() {
    let net = Devnet::spawn().await.expect("devnet");
    let requester = net.contracts(1);
    let worker = net.contracts(2);
    let stranger = net.contracts(3);
    worker
        .register_agent([9u8; 32], B256::repeat_byte(1), [0u8; 64])
        .await
        .unwrap();
    let now = requester.chain_time().await.unwrap();
    let p = params(net.address(1), now, 2);
    let id = requester.post_task(&p).await.unwrap().value;
    worker.claim(&p).await.unwrap();

    // not before a submission
    let note = ContentId::of(b"worker's notes");
    let err = worker.submit_evidence(&p, note).await.unwrap_err();
    assert!(
        matches!(
            err.revert(),
            Some(Revert::TaskMarket(
                TaskMarket::TaskMarketErrors::TaskMarketWrongStatus(_)
            ))
        ),
        "{err}"
    );
    worker.submit(id, B256::repeat_byte(0xee)).await.unwrap();
    worker.submit_evidence(&p, note).await.unwrap();

    // a rejection must carry its reason
    let err = requester
        .reject(&p, ContentId::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.revert_reason().unwrap_or_default(),
        format!("TaskMarketEmptyEvidence(taskId: {id:#x})"),
        "{err}"
    );
    assert!(err.revert().and_then(Revert::hint).is_some());
    let verdict = ContentId::of(b"verdict: fails the schema check");
    let rejected = requester.reject(&p, verdict).await.unwrap();
    assert!(rejected.value > U256::ZERO);
    let reply = ContentId::of(b"reply: the schema was met");
    worker.submit_evidence(&p, reply).await.unwrap();
    let err = stranger.submit_evidence(&p, reply).await.unwrap_err();
    assert!(
        err.revert_reason()
            .unwrap_or_default()
            .starts_with("TaskMarketUnauthorized("),
        "{err}"
    );

    let ev = worker.task_evidence(id).await.unwrap();
    let got: Vec<(Address, ContentId)> = ev.iter().map(|e| (e.party, e.evidence)).collect();
    assert_eq!(
        got,
        [
            (net.address(2), note),
            (net.address(1), verdict),
            (net.address(2), reply)
        ]
    );
    assert!(ev.iter().all(|e| e.task_id == id
        && e.arbitrator == net.deployments.dispute_court
        && e.tx_hash.is_some()));
    assert_eq!(
        ev[1].tx_hash,
        Some(rejected.tx_hash),
        "verdict in the reject tx"
    );
    assert!(
        ev.windows(2)
            .all(|w| (w[0].block_number, w[0].log_index) < (w[1].block_number, w[1].log_index))
    );

    // the task's history has them in place, after TaskDisputed in the same transaction
    use TaskMarket::TaskMarketEvents as E;
    let names: Vec<&str> = worker
        .task_events(id)
        .await
        .unwrap()
        .iter()
        .map(|(_, e)| match e {
            E::TaskPosted(_) => "TaskPosted",
            E::TaskClaimed(_) => "TaskClaimed",
            E::TaskSubmitted(_) => "TaskSubmitted",
            E::TaskDisputed(_) => "TaskDisputed",
            E::Evidence(_) => "Evidence",
            _ => "other",
        })
        .collect();
    assert_eq!(
        names,
        [
            "TaskPosted",
            "TaskClaimed",
            "TaskSubmitted",
            "Evidence",
            "TaskDisputed",
            "Evidence",
            "Evidence"
        ]
    );
    let decoded: Vec<TaskEvidence> = worker
        .task_events(id)
        .await
        .unwrap()
        .iter()
        .filter_map(|(l, e)| match e {
            E::Evidence(e) => Some(TaskEvidence::from_event(e, l)),
            _ => None,
        })
        .collect();
    assert_eq!(decoded, ev);
}
