//! Verified work through the `aos` binary against a real anvil with the contracts deployed by
//! script/Deploy.s.sol (issue 13): the requester's `aos task review` under each policy and the
//! juror's `aos juror review`, on specs whose acceptance criteria need no model (a JSON Schema
//! and a required pattern).

mod common;

use std::path::{Path, PathBuf};

use alloy::{
    primitives::{B256, U256},
    providers::Provider,
};
use aos_chain::{Devnet, TaskStatus};
use aos_protocol::{
    AgentKey, ContentId, KdfParams, KeyFile, Message, SignedMessage,
    messages::{CheckOutcome, ResultBlob, Timing, Verdict},
};
use common::{aos, fails, json};
use serde_json::{Value, json};

fn key(net: &Devnet, i: usize) -> String {
    format!("0x{}", alloy::hex::encode(net.signer(i).to_bytes()))
}

/// A §6.2 spec asking for a date as JSON, with `acceptance` (omitted when `None`).
fn spec(acceptance: Option<Value>) -> Vec<u8> {
    let mut s = json!({
        "task_id": "incident-date",
        "type": "extraction",
        "requester": AgentKey::from_secret_bytes(&[1; 32]).agent_id().to_string(),
        "requirements": { "deadline_ms": 1_800_000 },
        "payment": { "amount": "50000000000000000", "currency": "ETH", "decimals": 18 },
        "input": { "prompt": "When did the outage start? Answer {\"date\": \"YYYY-MM-DD\"}." },
        "delegation_allowed": false,
        "max_delegation_depth": 0,
        "created_at": 0
    });
    if let Some(a) = acceptance {
        s["acceptance"] = a;
    }
    let bytes = serde_json::to_vec(&s).unwrap();
    aos_protocol::messages::TaskSpec::from_json(&bytes).expect("a valid task spec");
    bytes
}

/// The date must be JSON under a schema and look like a date.
fn date_acceptance() -> Value {
    json!({
        "checks": [
            { "kind": "json_schema", "schema": {
                "type": "object",
                "required": ["date"],
                "properties": { "date": { "type": "string" } }
            } },
            { "kind": "pattern", "regex": "\"date\":\\s*\"\\d{4}-\\d{2}-\\d{2}\"", "required": true }
        ]
    })
}

struct World {
    net: Devnet,
    home: tempfile::TempDir,
}

impl World {
    fn h(&self) -> &Path {
        self.home.path()
    }

    fn blobs(&self) -> PathBuf {
        self.h().join("blobs")
    }

    /// `aos` as account `i`, on the devnet, with the blob folder.
    fn run(&self, i: usize) -> assert_cmd::Command {
        let mut c = aos(self.h());
        c.args(["--rpc", &self.net.rpc_url(), "--deployments"])
            .arg(self.net.deployments_path())
            .args(["--private-key", &key(&self.net, i)])
            .arg("--blob-dir")
            .arg(self.blobs())
            .env("AOS_AGENT_PASSPHRASE", "pw");
        c
    }

    /// Post a task with `spec` as account 1; its id and the spec's id.
    fn post(&self, name: &str, spec: &[u8]) -> (String, ContentId) {
        let path = self.h().join(name);
        std::fs::write(&path, spec).unwrap();
        let posted = json(
            self.run(1)
                .args(["--json", "task", "post", "--payment", "0.05eth"])
                .args(["--domain", "extraction", "--spec"])
                .arg(&path),
        );
        (
            posted["task_id"].as_str().unwrap().to_owned(),
            ContentId::of(spec),
        )
    }

    /// Account 2 (the registered worker) claims task `id` and submits `output` as its result
    /// blob (published on the blob folder); the result's id.
    fn work(&self, id: &str, spec_id: ContentId, worker: &AgentKey, output: &str) -> ContentId {
        json(self.run(2).args(["--json", "task", "claim", id]));
        let blob = ResultBlob {
            task_id: id.to_owned(),
            spec_hash: spec_id.to_string(),
            worker: worker.agent_id(),
            executor: "human".into(),
            model: None,
            output: output.into(),
            timing: Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: None,
                output_tokens: None,
            },
        }
        .to_json()
        .unwrap();
        let file = self.h().join(format!("result-{}.json", &id[2..10]));
        std::fs::write(&file, &blob).unwrap();
        json(self.run(2).args(["--json", "blob", "put"]).arg(&file));
        json(
            self.run(2)
                .args(["--json", "task", "submit", id, "--result"])
                .arg(&file),
        );
        ContentId::of(&blob)
    }

    async fn status(&self, id: &str) -> TaskStatus {
        let id: B256 = id.parse().unwrap();
        self.net.contracts(0).task_status(id).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requester_and_juror_review_through_aos() {
    let w = World {
        net: Devnet::spawn().await.expect("devnet"),
        home: tempfile::tempdir().unwrap(),
    };
    std::fs::create_dir_all(w.blobs()).unwrap();
    let agent_file = w.h().join("agent.key");
    json(
        w.run(2)
            .args(["--json", "worker", "register", "--agent-key"])
            .arg(&agent_file),
    );
    let worker_key = KeyFile::read(&agent_file).unwrap().decrypt(b"pw").unwrap();

    // ── a failing result ─────────────────────────────────────────────────────────────────
    let (id1, spec1) = w.post("spec-date.json", &spec(Some(date_acceptance())));
    // nothing to review before a submission
    let (code, err) = fails(w.run(1).args(["task", "review", &id1]));
    assert_eq!(code, 1);
    assert!(
        err.contains("is Open, not Submitted") && err.contains("no result to review yet"),
        "{err}"
    );
    let result1 = w.work(&id1, spec1, &worker_key, r#"{"date": "last Tuesday"}"#);

    // policy ask (the default): the verdict, the two commands, nothing sent
    let asked = json(w.run(1).args(["--json", "task", "review", &id1]));
    assert_eq!(asked["policy"], "ask");
    assert_eq!(asked["action"], "none");
    assert_eq!(asked["result_hash"], result1.to_string());
    assert_eq!(asked["verdict"]["pass"], false);
    let checks = asked["verdict"]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{asked}");
    assert_eq!(
        (&checks[0]["kind"], &checks[0]["pass"]),
        (&json!("json_schema"), &json!(true))
    );
    assert_eq!(
        (&checks[1]["kind"], &checks[1]["pass"]),
        (&json!("pattern"), &json!(false))
    );
    let verdict_blob = asked["verdict_blob"].as_str().unwrap().to_owned();
    // published, so the printed reject command works; the blob is the verdict
    let published = std::fs::read(w.blobs().join(&verdict_blob)).unwrap();
    assert_eq!(ContentId::of(&published).to_string(), verdict_blob);
    let v = Verdict::from_json(&published).unwrap();
    assert_eq!(serde_json::to_value(&v).unwrap(), asked["verdict"]);
    assert!(v.signature.is_none(), "no --agent-key: unsigned");
    assert_eq!(
        asked["next"][1],
        format!("aos task reject {id1} --evidence {verdict_blob}")
    );
    assert_eq!(w.status(&id1).await, TaskStatus::Submitted);
    let human = w.run(1).args(["task", "review", &id1]).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    for want in [
        "pattern",
        "overall: FAIL",
        "nothing sent (--policy ask)",
        &format!("aos task reject {id1} --evidence {verdict_blob}"),
        &format!("aos task accept {id1}"),
    ] {
        assert!(human.contains(want), "{want:?} not in\n{human}");
    }
    // the same verdict, bytes and all, on every run (deterministic checks)
    let again = json(w.run(1).args(["--json", "task", "review", &id1]));
    assert_eq!(again["verdict_blob"], verdict_blob);

    // only the requester settles
    let (_, err) = fails(w.run(3).args(["task", "review", &id1, "--policy", "auto"]));
    assert!(
        err.contains("only the requester") && err.contains("--policy ask"),
        "{err}"
    );

    // policy auto: rejected with the verdict as evidence, a dispute opened
    let auto = json(
        w.run(1)
            .args(["--json", "task", "review", &id1, "--policy", "auto"]),
    );
    assert_eq!(auto["action"], "rejected", "{auto}");
    assert_eq!(auto["verdict_blob"], verdict_blob);
    assert_eq!(auto["status"], "Disputed");
    let dispute = auto["dispute_id"].as_str().unwrap().to_owned();
    assert_eq!(w.status(&id1).await, TaskStatus::Disputed);
    let shown = json(w.run(0).args(["--json", "task", "show", &id1]));
    let ev = shown["evidence"].as_array().unwrap();
    assert_eq!(ev.len(), 1, "{shown}");
    assert_eq!(ev[0]["evidence"], verdict_blob);
    assert_eq!(ev[0]["role"], "requester");
    assert_eq!(ev[0]["kind"], "verdict");
    // a disputed task is the court's now
    let (_, err) = fails(w.run(1).args(["task", "review", &id1]));
    assert!(err.contains("aos juror review"), "{err}");

    // the worker replies with its own verdict: signed by its agent, and wrong
    let mut lie = v.clone();
    lie.evaluator = worker_key.agent_id();
    lie.pass = true;
    lie.score_bps = 10_000;
    lie.checks = vec![
        CheckOutcome::passed("json_schema", "valid"),
        CheckOutcome::passed("pattern", "found"),
    ];
    lie.sign_with(&worker_key).unwrap();
    let reply = w.h().join("worker-verdict.json");
    std::fs::write(&reply, lie.to_json().unwrap()).unwrap();
    let replied = json(
        w.run(2)
            .args(["--json", "task", "evidence", &id1])
            .arg(&reply),
    );
    let reply_blob = replied["evidence"].as_str().unwrap().to_owned();

    // a juror (account 3) reviews with its own agent key: choice 1, both verdicts listed
    let juror_file = w.h().join("juror.key");
    let juror_key = AgentKey::generate();
    KeyFile::encrypt(&juror_key, b"pw", KdfParams::insecure_for_tests())
        .unwrap()
        .write_new(&juror_file)
        .unwrap();
    let jr = json(
        w.run(3)
            .args(["--json", "juror", "review", &dispute, "--agent-key"])
            .arg(&juror_file),
    );
    assert_eq!(jr["task_id"], id1);
    assert_eq!(jr["choice"], 1, "{jr}");
    assert_eq!(jr["verdict"]["pass"], false);
    assert_eq!(jr["verdict"]["evaluator"], juror_key.agent_id().to_string());
    let mine = Verdict::from_json(&serde_json::to_vec(&jr["verdict"]).unwrap()).unwrap();
    mine.verify_signature()
        .expect("the juror's verdict is signed");
    // the same checks as the requester's
    assert_eq!(jr["verdict"]["checks"], asked["verdict"]["checks"]);
    let ev = jr["evidence"].as_array().unwrap();
    assert_eq!(ev.len(), 2, "{jr}");
    let requester = &ev[0];
    assert_eq!(requester["role"], "requester");
    assert_eq!(requester["evidence"], verdict_blob);
    assert_eq!(requester["verdict"]["pass"], false);
    assert_eq!(requester["verdict"]["signature"], "unsigned");
    assert_eq!(requester["verdict"]["agrees"], true, "{requester}");
    let worker = &ev[1];
    assert_eq!(worker["role"], "worker");
    assert_eq!(worker["evidence"], reply_blob);
    assert_eq!(worker["verdict"]["signature"], "valid");
    assert_eq!(worker["verdict"]["evaluator_is_party_agent"], true);
    assert_eq!(worker["verdict"]["agrees"], false);
    assert!(
        worker["verdict"]["differences"]
            .as_array()
            .unwrap()
            .contains(&json!(
                "check 2 (pattern): it says pass, this review says fail"
            )),
        "{worker}"
    );
    let human = w
        .run(3)
        .args(["juror", "review", &dispute])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    for want in [
        "evidence from the parties",
        "signed by the party's agent",
        "unsigned",
        "choice 1 (requester wins)",
        &format!("aos juror review {dispute} --commit"),
    ] {
        assert!(human.contains(want), "{want:?} not in\n{human}");
    }
    // --commit votes through `aos juror commit`'s code: no jury drawn yet, so it says so
    let (_, err) = fails(w.run(3).args(["juror", "review", &dispute, "--commit"]));
    assert!(
        err.contains("not Commit") && err.contains("aos dispute draw"),
        "{err}"
    );

    // ── a passing result ─────────────────────────────────────────────────────────────────
    let (id2, spec2) = w.post("spec-date-2.json", &spec(Some(date_acceptance())));
    w.work(&id2, spec2, &worker_key, r#"{"date": "2024-03-05"}"#);
    let asked = json(
        w.run(1)
            .args(["--json", "task", "review", &id2, "--policy", "ask"]),
    );
    assert_eq!(asked["verdict"]["pass"], true);
    assert_eq!(asked["action"], "none");
    assert_eq!(w.status(&id2).await, TaskStatus::Submitted);
    let auto = json(
        w.run(1)
            .args(["--json", "task", "review", &id2, "--policy", "auto"]),
    );
    assert_eq!(auto["action"], "accepted", "{auto}");
    assert!(auto.get("dispute_id").is_none(), "{auto}");
    assert_eq!(w.status(&id2).await, TaskStatus::Accepted);
    // paid: payment (less the protocol fee) and the stake back, withdrawable
    let shown = json(w.run(0).args(["--json", "task", "show", &id2]));
    let fee_bps = shown["terms"]["feeBps"].as_u64().unwrap();
    let payment = U256::from(50_000_000_000_000_000u64);
    let stake: U256 = shown["terms"]["stake"].as_str().unwrap().parse().unwrap();
    let owed = w
        .net
        .contracts(0)
        .market_balance(w.net.address(2), alloy::primitives::Address::ZERO)
        .await
        .unwrap();
    let fee_max = payment * U256::from(fee_bps) / U256::from(10_000u64) + U256::from(1u64);
    assert!(
        owed >= payment + stake - fee_max && owed <= payment + stake,
        "worker owed {owed}"
    );

    // ── a spec without acceptance criteria: passes, and says why ─────────────────────────
    let (id3, spec3) = w.post("spec-plain.json", &spec(None));
    w.work(&id3, spec3, &worker_key, "anything at all");
    let plain = json(w.run(1).args(["--json", "task", "review", &id3]));
    assert_eq!(plain["acceptance"], false);
    assert_eq!(plain["verdict"]["pass"], true);
    assert_eq!(plain["verdict"]["checks"], json!([]));
    let human = w.run(1).args(["task", "review", &id3]).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("the spec sets no acceptance criteria"),
        "{human}"
    );

    // ── a rubric needs a judge: the error names the flag ─────────────────────────────────
    let rubric =
        json!({ "rubric": { "criteria": ["gives the start date"], "threshold_bps": 6000 } });
    let (id4, spec4) = w.post("spec-rubric.json", &spec(Some(rubric)));
    w.work(&id4, spec4, &worker_key, r#"{"date": "2024-03-05"}"#);
    let (code, err) = fails(w.run(1).args(["task", "review", &id4]));
    assert_eq!(code, 1);
    assert!(err.contains("--judge-model"), "{err}");
    assert_eq!(w.status(&id4).await, TaskStatus::Submitted);

    // ── policy auto after the review window: a failure can no longer be rejected ─────────
    let (id5, spec5) = w.post("spec-date-5.json", &spec(Some(date_acceptance())));
    w.work(&id5, spec5, &worker_key, r#"{"date": "soon"}"#);
    let p = w.net.provider(0);
    // the default review window is 1 h
    let _: Value = p
        .raw_request("evm_increaseTime".into(), (3601u64,))
        .await
        .unwrap();
    let _: Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
    let late = json(
        w.run(1)
            .args(["--json", "task", "review", &id5, "--policy", "auto"]),
    );
    assert_eq!(late["verdict"]["pass"], false);
    assert_eq!(late["action"], "none", "{late}");
    assert_eq!(late["review_window_open"], false);
    assert_eq!(w.status(&id5).await, TaskStatus::Submitted);
    let human = w
        .run(1)
        .args(["task", "review", &id5, "--policy", "auto"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("can no longer be rejected") && human.contains("aos task finalize"),
        "{human}"
    );
}
