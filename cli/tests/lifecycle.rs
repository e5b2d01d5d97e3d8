//! A whole task lifecycle through the `aos` binary against a real anvil with the contracts
//! deployed by script/Deploy.s.sol (aos_chain::Devnet), and the errors a person meets first.

mod common;

use std::path::Path;

use alloy::primitives::{Address, B256, U256};
use aos_chain::{Devnet, TaskStatus, domain_to_bytes32};
use common::{aos, fails, json};

fn key(net: &Devnet, i: usize) -> String {
    format!("0x{}", alloy::hex::encode(net.signer(i).to_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_post_claim_submit_accept_withdraw_through_aos() {
    let net = Devnet::spawn().await.expect("devnet");
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let rpc = net.rpc_url();
    let dep = net.deployments_path().to_owned();
    let run = |i: usize| {
        let mut c = aos(h);
        c.args(["--rpc", &rpc, "--deployments"])
            .arg(&dep)
            .args(["--private-key", &key(&net, i)]);
        c
    };
    let spec = h.join("spec.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/task-spec.json"),
        &spec,
    )
    .unwrap();
    let bad_spec = h.join("bad-spec.json");
    std::fs::write(&bad_spec, br#"{"task":"summarise this"}"#).unwrap();
    let result = h.join("answer.txt");
    std::fs::write(&result, b"a summary").unwrap();

    // register the worker (account 2) with a fresh agent key file and a real binding signature
    let reg = json(
        run(2)
            .env("AOS_AGENT_PASSPHRASE", "pw")
            .args(["--json", "worker", "register", "--agent-key"])
            .arg(h.join("agent.key")),
    );
    assert_eq!(reg["account"], net.address(2).to_string().to_lowercase());
    let agent_key = net
        .contracts(0)
        .registry
        .agentKeyOf(net.address(2))
        .call()
        .await
        .unwrap();
    assert_ne!(agent_key, B256::ZERO);
    // registering again with the same key is a no-op
    let again = json(
        run(2)
            .env("AOS_AGENT_PASSPHRASE", "pw")
            .args(["--json", "worker", "register", "--agent-key"])
            .arg(h.join("agent.key")),
    );
    assert_eq!(again["already_registered"], true);

    // a file that is no §6.2 task spec is refused before anything is escrowed
    let (code, err) = fails(
        run(1)
            .args([
                "task",
                "post",
                "--payment",
                "0.05eth",
                "--domain",
                "summarisation",
            ])
            .arg("--spec")
            .arg(&bad_spec),
    );
    assert_eq!(code, 1);
    assert!(err.contains("not a white-paper §6.2 task spec"), "{err}");

    // post (account 1)
    let posted = json(
        run(1)
            .args(["--json", "task", "post", "--payment", "0.05eth"])
            .args([
                "--domain",
                "summarisation",
                "--spec",
                spec.to_str().unwrap(),
            ]),
    );
    let id = posted["task_id"].as_str().unwrap().to_owned();
    assert_eq!(posted["terms"]["payment"], "50000000000000000");
    assert_eq!(posted["terms"]["stake"], "5000000000000000");
    let spec_id = aos_protocol::ContentId::of(&std::fs::read(&spec).unwrap());
    assert_eq!(posted["terms"]["specHash"], format!("{spec_id}"));
    let task_id: B256 = id.parse().unwrap();
    let reader = net.contracts(0);
    assert_eq!(reader.task_status(task_id).await.unwrap(), TaskStatus::Open);

    // an unregistered account (3) cannot claim: decoded error, hint, non-zero exit
    let (code, err) = fails(run(3).args(["task", "claim", &id]));
    assert_eq!(code, 1);
    assert!(err.contains("TaskMarketNotRegistered(account: "), "{err}");
    assert!(err.contains(&net.address(3).to_checksum(None)), "{err}");
    assert!(
        err.contains("hint: ") && err.contains("aos worker register"),
        "{err}"
    );

    // claim → submit → accept → withdraw
    let c = json(run(2).args(["--json", "task", "claim", &id]));
    assert_eq!(c["status"], "Claimed");
    let s = json(
        run(2)
            .args(["--json", "task", "submit", &id, "--result"])
            .arg(&result),
    );
    assert_eq!(s["status"], "Submitted");
    let a = json(run(1).args(["--json", "task", "accept", &id]));
    assert_eq!(a["status"], "Accepted");
    let owed = reader
        .market_balance(net.address(2), Address::ZERO)
        .await
        .unwrap();
    assert_eq!(owed, U256::from(55_000_000_000_000_000u64));
    let w = json(run(2).args(["--json", "worker", "withdraw"]));
    assert_eq!(w["amount"], owed.to_string());
    assert_eq!(
        reader
            .market_balance(net.address(2), Address::ZERO)
            .await
            .unwrap(),
        U256::ZERO
    );

    // task show prints what the chain holds
    let shown = json(run(0).args(["--json", "task", "show", &id]));
    assert_eq!(shown["state"]["status"], "Accepted");
    assert_eq!(
        shown["state"]["worker"],
        net.address(2).to_string().to_lowercase()
    );
    assert_eq!(shown["terms"]["domain"], "summarisation");
    let events: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["TaskPosted", "TaskClaimed", "TaskSubmitted", "TaskAccepted"]
    );
    let human = run(0).args(["task", "show", &id]).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("0.05 ETH") && human.contains("Accepted"),
        "{human}"
    );

    // task list from logs, filtered by status
    let list = json(run(0).args(["--json", "task", "list", "--status", "accepted"]));
    assert!(
        list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["task_id"] == id)
    );
    let open = json(run(0).args(["--json", "task", "list", "--status", "open"]));
    assert!(open["tasks"].as_array().unwrap().is_empty());

    // karma: the decayed on-chain scores, counts, earnings
    let k = json(run(0).args([
        "--json",
        "karma",
        &net.address(2).to_string(),
        "--domain",
        "summarisation",
    ]));
    let (acc, comp) = reader
        .karma_scores(net.address(2), domain_to_bytes32("summarisation").unwrap())
        .await
        .unwrap();
    assert_eq!(k["domains"][0]["tasks"], 1);
    assert_eq!(k["domains"][0]["accuracy"], acc.to_string());
    assert_eq!(k["domains"][0]["completion"], comp.to_string());
    assert_eq!(k["earnings"][0]["amount"], "50000000000000000");
    let st = json(run(2).args(["--json", "worker", "status"]));
    assert_eq!(st["registered"], true);
    assert_eq!(st["karma"][0]["domain"], "summarisation");

    // a second accept: decoded WrongStatus with a hint pointing at `task show`
    let (_, err) = fails(run(1).args(["task", "accept", &id]));
    assert!(err.contains("TaskMarketWrongStatus"), "{err}");
    assert!(err.contains("aos task show"), "{err}");
}

#[test]
fn malformed_amount_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let (code, err) = fails(aos(home.path()).args([
        "task",
        "post",
        "--payment",
        "0.05foo",
        "--domain",
        "x",
        "--spec",
        "spec.json",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown unit") && err.contains("0.05eth"),
        "{err}"
    );
    let (_, err) = fails(aos(home.path()).args(["task", "show", "0x1234"]));
    assert!(err.contains("not a 32-byte id"), "{err}");
}

#[test]
fn missing_deployments_file_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nowhere.json");
    let (code, err) = fails(
        aos(home.path())
            .arg("--deployments")
            .arg(&missing)
            .args(["task", "list"]),
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("nowhere.json") && err.contains("not found"),
        "{err}"
    );
    assert!(err.contains("aos devnet up"), "{err}");
}

#[test]
fn sending_without_an_account_says_how_to_pick_one() {
    let home = tempfile::tempdir().unwrap();
    let dep = home.path().join("d.json");
    std::fs::write(
        &dep,
        r#"{"chainId":31337,"startBlock":0,"deployer":"0x0000000000000000000000000000000000000001",
        "owner":"0x0000000000000000000000000000000000000001",
        "agentRegistry":"0x0000000000000000000000000000000000000002",
        "karmaRegistry":"0x0000000000000000000000000000000000000003",
        "randomness":"0x0000000000000000000000000000000000000004",
        "disputeCourt":"0x0000000000000000000000000000000000000005",
        "taskMarket":"0x0000000000000000000000000000000000000006"}"#,
    )
    .unwrap();
    let id = format!("0x{}", "ab".repeat(32));
    let (_, err) = fails(
        aos(home.path())
            .arg("--deployments")
            .arg(&dep)
            .args(["task", "accept", &id]),
    );
    assert!(
        err.contains("--keystore") && err.contains("--private-key"),
        "{err}"
    );
    // a config file with a typo is refused, naming the key
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "rpcc = \"http://x\"\n").unwrap();
    let (_, err) = fails(
        aos(home.path())
            .arg("--config")
            .arg(&cfg)
            .args(["task", "list"]),
    );
    assert!(err.contains("rpcc"), "{err}");
}

#[test]
fn every_command_has_examples_in_its_help() {
    let home = tempfile::tempdir().unwrap();
    let groups: &[(&str, &[&str])] = &[
        (
            "task",
            &[
                "post",
                "show",
                "list",
                "result",
                "claim",
                "submit",
                "accept",
                "reject",
                "evidence",
                "cancel",
                "finalize",
                "expire",
                "execute-ruling",
            ],
        ),
        ("worker", &["register", "withdraw", "status", "run"]),
        (
            "juror",
            &["join", "leave", "commit", "reveal", "status", "withdraw"],
        ),
        ("dispute", &["show", "draw", "advance", "settle"]),
        ("devnet", &["up", "status", "restart", "down", "warp"]),
        ("blob", &["put", "get"]),
    ];
    let help = |args: &[&str]| {
        let out = aos(home.path()).args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(help(&[]).contains("Examples:"));
    assert!(help(&["karma"]).contains("Examples:"));
    assert!(help(&["withdraw"]).contains("Examples:"));
    for (g, subs) in groups {
        for s in *subs {
            assert!(help(&[g, s]).contains("Examples:"), "aos {g} {s} --help");
        }
    }
}
