//! `aos devnet up` as a real process (detached anvil + the real deploy script + jurors who
//! earn karma with real tasks), a whole dispute through `aos`, then `aos devnet down`, which
//! must leave no process behind.

mod common;

use std::path::{Path, PathBuf};

use common::{aos, fails, json};
use serde_json::Value;

/// Stops the devnet's anvil if the test fails before `aos devnet down`.
struct Cleanup(Option<u32>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
    }
}

/// Whether `pid` is a live (non-zombie) process.
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").and_then(|(_, r)| r.chars().next()))
        .is_some_and(|state| state != 'Z' && state != 'X')
}

fn account<'a>(net: &'a Value, role: &str, nth: usize) -> &'a Value {
    net["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["role"] == role)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {role} #{nth}"))
}

#[test]
fn devnet_up_dispute_to_settlement_then_down() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let dir: PathBuf = h.join("net");
    let up = json(
        aos(h)
            .args([
                "--json",
                "devnet",
                "up",
                "--port",
                "0",
                "--workers",
                "2",
                "--defectors",
                "0",
                "--no-services",
                "--dir",
            ])
            .arg(&dir),
    );
    let pid = up["anvil"]["pid"].as_u64().unwrap() as u32;
    let _cleanup = Cleanup(Some(pid));
    assert!(running(pid), "anvil runs after `aos devnet up` exited");
    assert_eq!(up["accounts"].as_array().unwrap().len(), 10);

    let status = json(
        aos(h)
            .args(["--json", "devnet", "status", "--dir"])
            .arg(&dir),
    );
    assert_eq!(status["running"], true);
    assert_eq!(status["rpc_ok"], true);
    let net = status["devnet"].clone();
    let cfg = PathBuf::from(net["config"].as_str().unwrap());
    let password = PathBuf::from(net["password_file"].as_str().unwrap());

    // every account signs with its keystore + the devnet password file
    let as_ = |role: &str, nth: usize| {
        let a = account(&net, role, nth);
        let mut c = aos(h);
        c.arg("--config")
            .arg(&cfg)
            .arg("--keystore")
            .arg(a["keystore"].as_str().unwrap())
            .arg("--password-file")
            .arg(&password);
        c
    };
    let reader = || {
        let mut c = aos(h);
        c.arg("--config").arg(&cfg);
        c
    };

    // jurors are registered, staked, and hold karma above the court's floor from real tasks
    for j in 0..3 {
        let st = json(as_("juror", j).args(["--json", "juror", "status"]));
        assert_eq!(st["stake"], "1000000000000000000");
        let addr = account(&net, "juror", j)["address"]
            .as_str()
            .unwrap()
            .to_owned();
        let k = json(reader().args(["--json", "karma", &addr, "--domain", "summarisation"]));
        assert_eq!(k["domains"][0]["tasks"], 2);
        let acc: u128 = k["domains"][0]["accuracy"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let floor: u128 = st["karma_floor"].as_str().unwrap().parse().unwrap();
        assert!(acc >= floor, "juror {j}: accuracy {acc} < floor {floor}");
    }

    // a task the requester rejects
    let spec = h.join("spec.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/task-spec.json"),
        &spec,
    )
    .unwrap();
    let result = h.join("result.txt");
    std::fs::write(&result, b"a fine translation").unwrap();
    let posted = json(
        as_("requester", 0)
            .args(["--json", "task", "post", "--payment", "0.05eth", "--domain"])
            .args(["summarisation", "--spec"])
            .arg(&spec),
    );
    let id = posted["task_id"].as_str().unwrap().to_owned();
    json(as_("worker", 0).args(["--json", "task", "claim", &id]));
    json(
        as_("worker", 0)
            .args(["--json", "task", "submit", &id, "--result"])
            .arg(&result),
    );
    // a rejection carries its reason: no --evidence, no transaction
    let (_, err) = fails(as_("requester", 0).args(["task", "reject", &id]));
    assert!(err.contains("--evidence"), "{err}");
    // the verdict is published in the blob folder and its BLAKE3 id goes on chain
    let blobs = h.join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let verdict = h.join("verdict.json");
    let verdict_bytes = br#"{"kind": "verdict", "pass": false, "reason": "off topic"}"#;
    std::fs::write(&verdict, verdict_bytes).unwrap();
    let verdict_id = aos_protocol::ContentId::of(verdict_bytes).to_string();
    let rejected = json(
        as_("requester", 0)
            .env("AOS_BLOB_DIR", &blobs)
            .args(["--json", "task", "reject", &id, "--evidence"])
            .arg(&verdict),
    );
    assert_eq!(rejected["status"], "Disputed");
    assert_eq!(rejected["evidence"], verdict_id.as_str());
    assert_eq!(
        std::fs::read(blobs.join(&verdict_id)).unwrap(),
        verdict_bytes,
        "the verdict is published under its id"
    );
    let dispute = rejected["dispute_id"].as_str().unwrap().to_owned();
    // the worker replies; nobody else may
    let reply = h.join("reply.txt");
    std::fs::write(&reply, b"the translation is exact").unwrap();
    let replied = json(
        as_("worker", 0)
            .args(["--json", "task", "evidence", &id])
            .arg(&reply),
    );
    assert_eq!(
        replied["evidence"],
        aos_protocol::ContentId::of(b"the translation is exact").to_string()
    );
    let (_, err) = fails(as_("spare", 0).args(["task", "evidence", &id]).arg(&reply));
    assert!(err.contains("TaskMarketUnauthorized"), "{err}");
    let (_, err) =
        fails(as_("worker", 0).args(["task", "evidence", &id, &format!("0x{}", "0".repeat(64))]));
    assert!(err.contains("zero id"), "{err}");
    // `aos task show` lists both, with the parties' roles and the blobs' kinds
    let shown = json(
        reader()
            .env("AOS_BLOB_DIR", &blobs)
            .args(["--json", "task", "show", &id]),
    );
    let ev = shown["evidence"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = ev
        .iter()
        .map(|e| {
            (
                e["role"].as_str().unwrap(),
                e["evidence"].as_str().unwrap(),
                e["kind"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    let reply_id = replied["evidence"].as_str().unwrap();
    assert_eq!(
        got,
        [
            ("requester", verdict_id.as_str(), "verdict"),
            ("worker", reply_id, "text")
        ]
    );
    assert!(ev[1]["agent"].is_string(), "the worker's agent id: {ev:?}");
    assert_eq!(
        ev[0]["party"].as_str().unwrap().to_lowercase(),
        account(&net, "requester", 0)["address"]
            .as_str()
            .unwrap()
            .to_lowercase()
    );
    let text = reader()
        .env("AOS_BLOB_DIR", &blobs)
        .args(["task", "show", &id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("evidence") && text.contains(&verdict_id) && text.contains("verdict"),
        "{text}"
    );

    // voting before the jury is drawn: a clear error
    let (_, err) = fails(as_("juror", 0).args(["juror", "commit", &dispute, "--choice", "2"]));
    assert!(err.contains("aos dispute draw"), "{err}");

    // anyone draws (a spare account); the three jurors are seated
    let drawn = json(as_("spare", 0).args(["--json", "dispute", "draw", &dispute]));
    assert_eq!(drawn["phase"], "Commit");
    assert_eq!(drawn["drawn"].as_array().unwrap().len(), 3);

    // commit (salts stored under each juror's data dir), then reveal
    let data = |j: usize| h.join(format!("juror-data-{j}"));
    for j in 0..3 {
        json(
            as_("juror", j)
                .env("AOS_DATA_DIR", data(j))
                .args(["--json", "juror", "commit", &dispute, "--choice", "2"]),
        );
    }
    let shown = json(reader().args(["--json", "dispute", "show", &dispute]));
    assert_eq!(shown["phase"], "Reveal");
    // revealing from a data dir without the salt fails with where to look
    let (_, err) = fails(
        as_("juror", 0)
            .env("AOS_DATA_DIR", h.join("elsewhere"))
            .args(["juror", "reveal", &dispute]),
    );
    assert!(err.contains("--data-dir"), "{err}");
    for j in 0..3 {
        let r = json(
            as_("juror", j)
                .env("AOS_DATA_DIR", data(j))
                .args(["--json", "juror", "reveal", &dispute]),
        );
        assert_eq!(r["choice"], 2);
    }
    let shown = json(reader().args(["--json", "dispute", "show", &dispute]));
    assert_eq!(shown["phase"], "Appeal");
    assert_eq!(shown["rounds"][0]["votes"][2], 3);

    // advancing before the appeal window ends: decoded error + hint
    let (_, err) = fails(as_("spare", 0).args(["dispute", "advance", &dispute]));
    assert!(err.contains("DisputeCourtDeadlineNotPassed"), "{err}");
    assert!(err.contains("hint: "), "{err}");

    json(reader().args(["--json", "devnet", "warp", "3m"]));
    let adv = json(as_("spare", 0).args(["--json", "dispute", "advance", &dispute]));
    assert_eq!(adv["phase"], "Solved");
    assert_eq!(adv["ruling"], 2);
    let ex = json(as_("spare", 0).args(["--json", "task", "execute-ruling", &id]));
    assert_eq!(ex["status"], "Resolved");
    let settled = json(as_("spare", 0).args(["--json", "dispute", "settle", &dispute]));
    let verdicts: Vec<&str> = settled["settled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["Coherent", "Coherent", "Coherent"]);
    let w = json(as_("juror", 0).args(["--json", "juror", "withdraw"]));
    let fee: u128 = w["amount"].as_str().unwrap().parse().unwrap();
    assert!(fee > 0, "a coherent juror earns a share of the fee");
    // the worker won: payment + stake are withdrawable, next to its warm-up task's 0.011
    let ws = json(as_("worker", 0).args(["--json", "worker", "status"]));
    assert_eq!(ws["market_balances"][0]["amount"], "66000000000000000");

    // down stops anvil by pid and leaves nothing behind
    let down = json(aos(h).args(["--json", "devnet", "down", "--dir"]).arg(&dir));
    assert_eq!(down["stopped"][0]["pid"], pid);
    assert!(
        !running(pid),
        "anvil {pid} still runs after `aos devnet down`"
    );
    assert!(!Path::new(&dir).join("devnet.json").exists());
    let (_, err) = fails(aos(h).args(["devnet", "status", "--dir"]).arg(&dir));
    assert!(err.contains("aos devnet up"), "{err}");
}
