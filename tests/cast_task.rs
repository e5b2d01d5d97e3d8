//! A task posted by plain `cast send` against the published ABI (not by `aos`) is picked up
//! by a worker, run, submitted, accepted and paid: the README's commands — the spec
//! (`examples/task-spec.json`) published with `aos blob put`, then `cast send`.

use std::{process::Command, time::Duration};

use alloy::primitives::{Address, B256, U256};
use aos_chain::TaskStatus;
use aos_tests::{Devnet, bin, model, path_env, wait_status, wait_withdrawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_posted_with_cast_is_taken_and_paid() {
    let _ = bin("aos-worker");
    let net = Devnet::up(1, 0, &model("--tiny"), 16);
    let c = net.reader();
    let worker = net.address("worker", 0);
    let requester = net.account("requester", 0);
    let req_addr = net.address("requester", 0);
    let spec = aos_tests::root().join("examples/task-spec.json");
    let put = net
        .aos_as("requester", &["blob", "put", spec.to_str().unwrap()])
        .unwrap_or_else(|e| panic!("{e}"));
    let spec_id = put["id"].as_str().unwrap().to_owned();

    let now = c.chain_time().await.unwrap();
    let fee = c.fee_bps().await.unwrap();
    let domain = format!(
        "0x{}",
        alloy::hex::encode(alloy::primitives::FixedBytes::<32>::right_padding_from(
            b"summarisation"
        ))
    );
    let tuple = format!(
        "({req_addr},0x0000000000000000000000000000000000000000,10000000000000000,1000,{fee},{},{},3600,0,0,0,{domain},{spec_id},0x{},7)",
        now + 600,
        now + 2400,
        "0".repeat(64)
    );
    let before = {
        use alloy::providers::Provider;
        c.provider().get_balance(worker).await.unwrap()
    };
    let out = Command::new("cast")
        .env("PATH", path_env())
        .args(["send", "--json", "--rpc-url", &net.rpc(), "--private-key"])
        .arg(requester["private_key"].as_str().unwrap())
        .arg(c.deployments().task_market.to_string())
        .arg("postTask((address,address,uint128,uint16,uint16,uint40,uint40,uint32,uint8,uint64,uint64,bytes32,bytes32,bytes32,uint96))")
        .arg(&tuple)
        .args(["--value", "0.01ether"])
        .output()
        .expect("run cast");
    assert!(
        out.status.success(),
        "cast send: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let receipt: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id: B256 = receipt["logs"][0]["topics"][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(c.task_status(id).await.unwrap(), TaskStatus::Open);

    wait_status(&c, id, &[TaskStatus::Submitted], Duration::from_secs(300)).await;
    assert_eq!(c.task_state(id).await.unwrap().worker, worker);
    // the requester reads the answer before paying: over the mesh from the worker (it is in
    // no folder yet), checked against the resultHash on chain, then kept in the gateway's
    // folder, which serves it from then on
    let tid = format!("{id:#x}");
    let r = net
        .aos_as("requester", &["task", "result", &tid])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["verified"], true);
    assert_eq!(r["source"], "mesh", "{r}");
    // the tiny test model may well answer nothing; the answer is the blob's `output`
    assert!(r["answer"].is_string(), "{r}");
    assert_eq!(r["answer"], r["blob"]["output"], "{r}");
    let hash = r["result_hash"].as_str().unwrap().to_owned();
    let gateway = net.file["blob_gateway"].as_str().unwrap().to_owned();
    let served = reqwest::get(format!("{gateway}/{hash}")).await.unwrap();
    assert!(
        served.status().is_success(),
        "the gateway does not serve {hash}"
    );
    let bytes = served.bytes().await.unwrap();
    assert_eq!(aos_protocol::ContentId::of(&bytes).to_string(), hash);
    net.aos_as("requester", &["task", "accept", &tid])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.task_status(id).await.unwrap(), TaskStatus::Accepted);
    wait_withdrawn(&c, worker, Duration::from_secs(60)).await;
    let after = {
        use alloy::providers::Provider;
        c.provider().get_balance(worker).await.unwrap()
    };
    // paid 0.01 ETH (the stake came back too) minus the gas of claim, submit and withdraw
    assert!(
        after > before + U256::from(9_000_000_000_000_000u64),
        "worker balance {before} → {after}"
    );
    let _: Address = req_addr;
}
