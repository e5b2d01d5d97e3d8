//! Reading a result before paying (`aos task result`, `aos blob get`), the requester's hints
//! and `aos withdraw`, through the `aos` binary against a real anvil with the contracts
//! deployed by script/Deploy.s.sol (the workspace's one devnet, `aos_chain::devnet`).

mod common;

use std::{
    io::{Read, Write},
    net::TcpListener,
    path::Path,
};

use aos_chain::Devnet;
use aos_protocol::ContentId;
use common::{aos, fails, json};

fn key(net: &Devnet, i: usize) -> String {
    format!("0x{}", alloy::hex::encode(net.signer(i).to_bytes()))
}

/// An HTTP server on loopback that answers every request with `body` (a blob gateway that
/// may lie). Returns its base URL.
fn gateway(body: Vec<u8>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    url
}

#[test]
fn blob_get_verifies_and_says_what_is_wrong() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let blobs = h.join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let file = h.join("note.txt");
    std::fs::write(&file, b"hello blob").unwrap();
    let run = || {
        let mut c = aos(h);
        c.arg("--blob-dir").arg(&blobs);
        c
    };
    let put = json(run().args(["--json", "blob", "put"]).arg(&file));
    let id = put["id"].as_str().unwrap().to_owned();
    assert_eq!(id, ContentId::of(b"hello blob").to_string());

    // success: printed, and written with --out
    let got = json(run().args(["--json", "blob", "get", &id, "--mesh-timeout", "0"]));
    assert_eq!(got["text"], "hello blob");
    assert_eq!(got["verified"], true);
    let out = h.join("copy.txt");
    json(
        run()
            .args(["--json", "blob", "get", &id, "--mesh-timeout", "0", "--out"])
            .arg(&out),
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"hello blob");

    // a tampered copy is refused, naming where it was and what it hashes to
    std::fs::write(blobs.join(&id), b"hello blob, tampered").unwrap();
    let (code, err) = fails(run().args(["blob", "get", &id, "--mesh-timeout", "0"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("does not match") && err.contains("refused") && err.contains("blob folder"),
        "{err}"
    );
    assert!(
        err.contains(&ContentId::of(b"hello blob, tampered").to_string()),
        "{err}"
    );

    // a lying gateway is refused too; an honest one is used and its copy kept
    std::fs::remove_file(blobs.join(&id)).unwrap();
    let liar = gateway(b"not it".to_vec());
    let (_, err) = fails(run().args([
        "blob",
        "get",
        &id,
        "--mesh-timeout",
        "0",
        "--gateway",
        &liar,
    ]));
    assert!(
        err.contains("does not match") && err.contains("gateway"),
        "{err}"
    );
    let honest = gateway(b"hello blob".to_vec());
    let got = json(run().args([
        "--json",
        "blob",
        "get",
        &id,
        "--mesh-timeout",
        "0",
        "--gateway",
        &honest,
    ]));
    assert!(
        got["source"].as_str().unwrap().starts_with("gateway"),
        "{got}"
    );
    assert_eq!(std::fs::read(blobs.join(&id)).unwrap(), b"hello blob");

    // an unknown id says where it looked; a malformed one is a usage error
    let unknown = ContentId::of(b"nobody has this").to_string();
    let (code, err) = fails(run().args(["blob", "get", &unknown, "--mesh-timeout", "0"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("not found") && err.contains("looked in"),
        "{err}"
    );
    let (code, err) = fails(run().args(["blob", "get", "0x1234"]));
    assert_eq!(code, 2);
    assert!(err.contains("not a blob id"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requester_reads_the_result_before_paying_and_withdraws_refunds() {
    let net = Devnet::spawn().await.expect("devnet");
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let blobs = h.join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let rpc = net.rpc_url();
    let dep = net.deployments_path().to_owned();
    let run = |i: usize| {
        let mut c = aos(h);
        c.args(["--rpc", &rpc, "--deployments"])
            .arg(&dep)
            .args(["--private-key", &key(&net, i)])
            .arg("--blob-dir")
            .arg(&blobs);
        c
    };
    let spec = h.join("spec.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/task-spec.json"),
        &spec,
    )
    .unwrap();
    // the result blob every worker writes (aos-protocol's ResultBlob)
    let answer = aos_protocol::messages::ResultBlob {
        task_id: format!("0x{}", "11".repeat(32)),
        spec_hash: format!("0x{}", "22".repeat(32)),
        worker: aos_protocol::AgentKey::generate().agent_id(),
        executor: "local_llama".into(),
        model: Some("tiny".into()),
        output: "The answer is 42.".into(),
        timing: aos_protocol::messages::Timing {
            started_at_ms: 1,
            finished_at_ms: 2,
            input_tokens: None,
            output_tokens: None,
        },
    };
    let answer = aos_protocol::Message::to_json(&answer).unwrap();
    let result = h.join("result.json");
    std::fs::write(&result, &answer).unwrap();
    let result_id = ContentId::of(&answer).to_string();

    json(
        run(2)
            .env("AOS_AGENT_PASSPHRASE", "pw")
            .args(["--json", "worker", "register", "--agent-key"])
            .arg(h.join("agent.key")),
    );
    let post = || {
        let out = run(1)
            .args([
                "task",
                "post",
                "--payment",
                "0.05eth",
                "--domain",
                "summarisation",
            ])
            .arg("--spec")
            .arg(&spec)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let human = post();
    // the post hint tells the requester what to do next, not how a worker claims
    assert!(
        human.contains("aos task result") && human.contains("aos task accept"),
        "{human}"
    );
    assert!(!human.contains("workers claim it with"), "{human}");
    let id = human
        .split_whitespace()
        .find(|w| w.starts_with("0x") && w.len() == 66)
        .unwrap()
        .to_owned();

    // no result yet
    let (_, err) = fails(run(1).args(["task", "result", &id, "--mesh-timeout", "0"]));
    assert!(
        err.contains("no result yet") && err.contains("Open"),
        "{err}"
    );

    json(run(2).args(["--json", "task", "claim", &id]));
    json(
        run(2)
            .args(["--json", "task", "submit", &id, "--result"])
            .arg(&result),
    );
    // the worker's blob is on the gateway's folder
    json(run(2).args(["--json", "blob", "put"]).arg(&result));

    // the requester reads it before paying
    let r = json(run(1).args(["--json", "task", "result", &id, "--mesh-timeout", "0"]));
    assert_eq!(r["answer"], "The answer is 42.");
    assert_eq!(r["result_hash"], result_id);
    assert_eq!(r["verified"], true);
    assert_eq!(r["model"], "tiny");
    let human = run(1)
        .args(["task", "result", &id, "--mesh-timeout", "0"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("The answer is 42.") && human.contains("aos task accept"),
        "{human}"
    );
    let out = h.join("answer.txt");
    json(
        run(1)
            .args([
                "--json",
                "task",
                "result",
                &id,
                "--mesh-timeout",
                "0",
                "--out",
            ])
            .arg(&out),
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "The answer is 42.");

    // a blob that does not hash to the resultHash on chain is refused
    std::fs::write(blobs.join(&result_id), br#"{"output":"forged"}"#).unwrap();
    let (code, err) = fails(run(1).args(["task", "result", &id, "--mesh-timeout", "0"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("does not match") && err.contains(&result_id),
        "{err}"
    );
    assert!(!err.contains("forged"), "{err}");

    // an unknown task
    let unknown = format!("0x{}", "ab".repeat(32));
    let (_, err) = fails(run(1).args(["task", "result", &unknown, "--mesh-timeout", "0"]));
    assert!(
        err.contains("no task") && err.contains("aos task list"),
        "{err}"
    );

    // accepted: the claim deadline no longer counts down
    std::fs::write(blobs.join(&result_id), answer).unwrap();
    json(run(1).args(["--json", "task", "accept", &id]));
    let shown = run(0).args(["task", "show", &id]).output().unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("no longer applies: Accepted"), "{shown}");
    assert!(!shown.contains("(in "), "{shown}");

    // a cancelled task's refund comes out with `aos withdraw`, which the hints name
    let human = post();
    let id2 = human
        .split_whitespace()
        .find(|w| w.starts_with("0x") && w.len() == 66)
        .unwrap()
        .to_owned();
    json(run(1).args(["--json", "task", "cancel", &id2]));
    let w = json(run(1).args(["--json", "withdraw"]));
    assert_eq!(w["amount"], "50000000000000000");
    let help = aos(h).args(["task", "cancel", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("aos withdraw") && !help.contains("worker withdraw"),
        "{help}"
    );
}
