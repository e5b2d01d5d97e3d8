//! A worker killed (SIGKILL) after it claimed a task, while the model runs, loses neither
//! the task nor funds: restarted on the same data folder it resumes the claim from its
//! SQLite state, submits, is accepted and withdraws; the escrow holds nothing afterwards.

use std::{process::Command, time::Duration};

use alloy::{primitives::U256, providers::Provider};
use aos_chain::TaskStatus;
use aos_tests::{Devnet, aos, bin, model, wait_status, wait_withdrawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_task_resumes_after_restart() {
    let _ = bin("aos-worker");
    // the default model with 192 tokens to write: seconds of work in which to kill it
    let net = Devnet::up(1, 0, &model("--default"), 192);
    let c = net.reader();
    let worker = net.address("worker", 0);
    let spec = net.spec(
        "crash-task",
        "Write a detailed incident summary for a 3-hour database outage caused by a full disk.",
    );
    let posted = net
        .aos_as(
            "requester",
            &[
                "task",
                "post",
                "--payment",
                "0.01eth",
                "--domain",
                "summarisation",
                "--spec",
                spec.to_str().unwrap(),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let id: alloy::primitives::B256 = posted["task_id"].as_str().unwrap().parse().unwrap();

    wait_status(
        &c,
        id,
        &[TaskStatus::Claimed, TaskStatus::Submitted],
        Duration::from_secs(120),
    )
    .await;
    let pids = net.worker_pids();
    assert_eq!(pids.len(), 1);
    let killed_before_submit = c.task_status(id).await.unwrap() == TaskStatus::Claimed;
    let _ = Command::new("kill")
        .args(["-KILL", &pids[0].to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !std::path::Path::new(&format!("/proc/{}", pids[0])).exists()
            || std::fs::read_to_string(format!("/proc/{}/stat", pids[0]))
                .is_ok_and(|s| s.contains(") Z")),
        "the worker is gone"
    );
    // the claim stands on chain, stake escrowed
    let st = c.task_status(id).await.unwrap();
    assert!(
        matches!(st, TaskStatus::Claimed | TaskStatus::Submitted),
        "{st:?}"
    );
    assert_eq!(c.task_state(id).await.unwrap().worker, worker);

    // restart on the same config and data folder: `aos devnet restart` runs the command line
    // `up` recorded, and `down` (when `net` drops) stops the new process
    let service = format!("worker-{}", net.account("worker", 0)["index"]);
    let dir = net.dir.display().to_string();
    let r = aos(&["devnet", "restart", &service, "--dir", &dir]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["was_running"], false);

    wait_status(&c, id, &[TaskStatus::Submitted], Duration::from_secs(300)).await;
    net.aos_as("requester", &["task", "accept", &format!("{id:#x}")])
        .unwrap_or_else(|e| panic!("{e}"));
    wait_withdrawn(&c, worker, Duration::from_secs(60)).await;
    // nothing stranded: the market's ETH is exactly what it owes accounts (warm-up earnings
    // nobody withdrew), no escrow or stake left behind
    let held = c
        .provider()
        .get_balance(c.deployments().task_market)
        .await
        .unwrap();
    let mut owed = U256::ZERO;
    for a in net.file["accounts"].as_array().unwrap() {
        let addr = a["address"].as_str().unwrap().parse().unwrap();
        owed += c
            .market_balance(addr, alloy::primitives::Address::ZERO)
            .await
            .unwrap();
    }
    assert_eq!(held, owed, "the market holds exactly what it owes");
    eprintln!(
        "killed while {}",
        if killed_before_submit {
            "Claimed (model running)"
        } else {
            "Submitted"
        }
    );
}
