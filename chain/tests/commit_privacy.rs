//! A juror's vote commitment is computed locally: the node (and whoever runs the RPC) sees
//! the commitment, never the choice and salt, until the reveal transaction.

mod common;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use aos_chain::{
    AosContracts, ChainError, Devnet, Phase, Revert, TaskParams, commitment_of,
    dispute_court::DisputeCourt::DisputeCourtErrors, domain_to_bytes32, provider_for,
};
use common::Proxy;

const ETH: u128 = 1_000_000_000_000_000_000;

fn terms(net: &Devnet, now: u64, salt: u64) -> TaskParams {
    TaskParams::builder(net.address(1), now)
        .with_payment(ETH / 100)
        .with_domain(domain_to_bytes32("summarisation").unwrap())
        .with_spec_hash(B256::repeat_byte(4))
        .with_salt(salt)
        .build()
}

/// `worker` completes one accepted task for account 1 (karma in "summarisation").
async fn earn(net: &Devnet, requester: &AosContracts, worker: &AosContracts, salt: u64) {
    let now = requester.chain_time().await.unwrap();
    let p = terms(net, now, salt);
    let id = requester.post_task(&p).await.unwrap().value;
    worker.claim(&p).await.unwrap();
    worker.submit(id, B256::repeat_byte(0xee)).await.unwrap();
    requester.accept(&p).await.unwrap();
}

fn is_pending(e: &ChainError) -> bool {
    matches!(
        e.revert(),
        Some(Revert::DisputeCourt(
            DisputeCourtErrors::DisputeCourtRandomnessPending(_)
        ))
    )
}

#[tokio::test]
async fn the_rpc_never_sees_the_salt_before_the_reveal() {
    let net = Devnet::spawn().await.expect("devnet");
    let requester = net.contracts(1);
    let worker = net.contracts(2);
    let jurors: Vec<usize> = vec![3, 4, 5];
    for i in [2usize, 3, 4, 5] {
        net.contracts(i)
            .register_agent([0x30 + i as u8; 32], B256::repeat_byte(1), [0u8; 64])
            .await
            .unwrap();
    }
    // jurors earn karma, then stake (before the dispute's round opens)
    let mut salt = 0;
    for &j in &jurors {
        for _ in 0..2 {
            salt += 1;
            earn(&net, &requester, &net.contracts(j), salt).await;
        }
        assert_eq!(
            net.contracts(j).court.stakeToken().call().await.unwrap(),
            Address::ZERO
        );
        net.contracts(j)
            .court_join(U256::from(ETH), U256::from(ETH))
            .await
            .unwrap();
    }
    // a disputed task
    let now = requester.chain_time().await.unwrap();
    let p = terms(&net, now, 1_000);
    let task = requester.post_task(&p).await.unwrap().value;
    worker.claim(&p).await.unwrap();
    worker.submit(task, B256::repeat_byte(0xdd)).await.unwrap();
    let verdict = aos_protocol::ContentId::of(b"verdict: the result does not answer the spec");
    let dispute = requester
        .reject(&p, verdict)
        .await
        .unwrap()
        .value
        .to::<u64>();
    // draw the jury
    for _ in 0..64 {
        match requester.draw_jury(dispute, 200).await {
            Ok(_) => {}
            Err(e) if is_pending(&e) => {
                net.provider(0)
                    .raw_request::<_, String>("evm_mine".into(), ())
                    .await
                    .unwrap();
            }
            Err(e) => panic!("draw: {e}"),
        }
        if requester.dispute(dispute).await.unwrap().phase != Phase::Drawing as u8 {
            break;
        }
    }
    let d = requester.dispute(dispute).await.unwrap();
    assert_eq!(d.phase, Phase::Commit as u8, "jury drawn");
    let seats = requester.drawn_seats(Some(dispute), None).await.unwrap();
    assert!(!seats.is_empty());
    let round = u64::from(d.round);

    // the first seated juror commits through the recording proxy
    let (_, _, juror) = seats[0];
    let idx = (0..10).find(|&i| net.address(i) == juror).unwrap();
    let proxy = Proxy::spawn(net.rpc_url(), None).await;
    let via_proxy = AosContracts::new(
        provider_for(&proxy.url, net.signer(idx)).unwrap(),
        net.deployments.clone(),
    );
    let vote_salt = B256::from(rand::random::<[u8; 32]>());
    let committed = via_proxy
        .commit_vote(dispute, round, juror, 2, vote_salt)
        .await
        .unwrap()
        .value;
    // the local commitment is the contract's
    let on_chain = requester
        .court
        .commitmentOf(
            U256::from(dispute),
            U256::from(round),
            juror,
            U256::from(2),
            vote_salt,
        )
        .call()
        .await
        .unwrap();
    assert_eq!(committed, on_chain);
    assert_eq!(
        commitment_of(
            U256::from(dispute),
            U256::from(round),
            juror,
            U256::from(2),
            vote_salt
        ),
        on_chain
    );
    let salt_hex = alloy::hex::encode(vote_salt);
    let before_reveal = proxy.bodies();
    assert!(!before_reveal.is_empty());
    assert!(
        before_reveal
            .iter()
            .all(|b| !b.to_ascii_lowercase().contains(&salt_hex)),
        "the RPC saw the salt before the reveal"
    );

    // the other seats commit, the round moves to Reveal, and the reveal is the first to
    // carry the salt
    for &(_, _, other) in &seats[1..] {
        let i = (0..10).find(|&i| net.address(i) == other).unwrap();
        net.contracts(i)
            .commit_vote(dispute, round, other, 1, B256::repeat_byte(0x77))
            .await
            .unwrap();
    }
    assert_eq!(
        requester.dispute(dispute).await.unwrap().phase,
        Phase::Reveal as u8
    );
    via_proxy.reveal_vote(dispute, 2, vote_salt).await.unwrap();
    let all = proxy.bodies();
    let first = all
        .iter()
        .position(|b| b.to_ascii_lowercase().contains(&salt_hex))
        .expect("the reveal carries the salt");
    assert!(first >= before_reveal.len());
}
