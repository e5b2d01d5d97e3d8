//! `aos devnet up` over a devnet whose anvil died stops the services the old devnet.json
//! recorded (they would share its SQLite files and worker state); `down` twice is fine;
//! `status` names the dead process.

use std::{process::Command, time::Duration};

use aos_tests::{Devnet, aos, model};

fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.contains(") Z ") && !s.contains(") X "))
}

#[test]
fn up_over_a_dead_devnet_stops_its_leftover_services() {
    let tiny = model("--tiny");
    let net = Devnet::up(1, 0, &tiny, 8);
    let dir = net.dir.display().to_string();
    let anvil = net.file["anvil"]["pid"].as_u64().unwrap();
    let services: Vec<u64> = net.file["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["pid"].as_u64().unwrap())
        .collect();
    let mut names: Vec<&str> = net.file["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    // the web app runs too when web/dist is built (script/setup.sh builds it)
    names.retain(|n| *n != "aos-web");
    assert_eq!(
        names,
        ["aos-indexer", "blob-gateway", "aos-worker"],
        "indexer, blob gateway, one worker"
    );

    let _ = Command::new("kill")
        .args(["-KILL", &anvil.to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    let err = aos(&["devnet", "status", "--dir", &dir]).unwrap_err();
    assert!(err.contains("not running: anvil"), "{err}");

    let again = aos(&[
        "devnet",
        "up",
        "--port",
        "0",
        "--dir",
        &dir,
        "--workers",
        "1",
        "--defectors",
        "0",
        "--jurors",
        "0",
        "--model",
        tiny.to_str().unwrap(),
        "--max-tokens",
        "8",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    for pid in &services {
        assert!(!alive(*pid), "leftover service {pid} still runs");
    }
    assert!(
        again["services"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| alive(s["pid"].as_u64().unwrap()))
    );

    aos(&["devnet", "down", "--dir", &dir]).unwrap_or_else(|e| panic!("{e}"));
    let twice = aos(&["devnet", "down", "--dir", &dir]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(twice["stopped"].as_array().map(Vec::len), Some(0));
}

#[test]
fn restart_brings_back_a_killed_worker_and_keeps_the_chain() {
    let tiny = model("--tiny");
    let net = Devnet::up(1, 0, &tiny, 8);
    let dir = net.dir.display().to_string();
    let rpc = net.rpc();
    let market = net.file["deployments"]["taskMarket"].clone();
    let anvil = net.file["anvil"]["pid"].as_u64().unwrap();
    let [worker] = net.worker_pids()[..] else {
        panic!("one worker expected");
    };
    // something on the chain that a new chain would not have
    let warped = aos(&["--rpc", &rpc, "devnet", "warp", "1d"]).unwrap_or_else(|e| panic!("{e}"));
    let time = warped["timestamp"].as_u64().unwrap();

    let _ = Command::new("kill")
        .args(["-KILL", &worker.to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    let err = aos(&["devnet", "status", "--dir", &dir]).unwrap_err();
    assert!(err.contains("not running: aos-worker"), "{err}");
    assert!(err.contains("aos devnet restart"), "{err}");

    let unknown = aos(&["devnet", "restart", "worker-9", "--dir", &dir]).unwrap_err();
    assert!(
        unknown.contains("no service \"worker-9\"") && unknown.contains("worker-2"),
        "{unknown}"
    );

    let r =
        aos(&["devnet", "restart", "worker-2", "--dir", &dir]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["service"], "worker-2");
    assert_eq!(r["was_running"], false);
    let new_pid = r["pid"].as_u64().unwrap();
    assert!(alive(new_pid) && new_pid != u64::from(worker));

    // a live service restarts too
    let r = aos(&["devnet", "restart", "indexer", "--dir", &dir]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["was_running"], true);

    let st = aos(&["devnet", "status", "--dir", &dir]).unwrap_or_else(|e| panic!("{e}"));
    let w = st["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "worker-2")
        .expect("worker-2 in status");
    assert_eq!(w["running"], true);
    assert_eq!(w["pid"].as_u64(), Some(new_pid));
    // the same chain: same anvil, same contracts, the clock still past the warp
    assert_eq!(st["devnet"]["anvil"]["pid"].as_u64(), Some(anvil));
    assert_eq!(st["devnet"]["deployments"]["taskMarket"], market);
    let now = aos(&["--rpc", &rpc, "devnet", "warp", "1s"]).unwrap_or_else(|e| panic!("{e}"));
    assert!(now["timestamp"].as_u64().unwrap() > time);
}
