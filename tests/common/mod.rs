//! Helpers of the end-to-end tests: the built binaries, the models, a devnet started with
//! `aos devnet up` and stopped (by pid, through `aos devnet down`) when dropped.
//!
//! The tests run the real binaries from the cargo target dir; `script/test.sh` builds them
//! (`cargo build --workspace --bins`) before `cargo test`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256},
    providers::{Provider, ProviderBuilder},
};
use aos_chain::{AosContracts, Deployments, TaskStatus};
use aos_protocol::{
    AgentKey,
    messages::{Acceptance, Check, Message, ResultBlob, TaskSpec, Timing},
};
use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// A workspace binary next to the test executable (`target/debug/<name>`).
///
/// # Panics
/// When it is not built, naming the command that builds it.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let debug = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug/deps/<test>");
    let p = debug.join(name);
    assert!(
        p.is_file(),
        "{} is not built: run `cargo build --workspace --bins` first (script/test.sh does)",
        p.display()
    );
    p
}

/// A model file from `script/fetch-model.sh [flag]` (fetched once, then reused).
///
/// # Panics
/// When the script fails.
pub fn model(flag: &str) -> PathBuf {
    let out = Command::new(root().join("script/fetch-model.sh"))
        .arg(flag)
        .stderr(Stdio::inherit())
        .output()
        .expect("run script/fetch-model.sh");
    assert!(out.status.success(), "script/fetch-model.sh {flag} failed");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The PATH with the repo's foundry binaries (anvil, forge, cast) first.
pub fn path_env() -> String {
    let r = root();
    let tools: Vec<String> = ["anvil", "forge", "cast"]
        .iter()
        .map(|t| {
            r.join(format!("node_modules/@foundry-rs/{t}-linux-amd64/bin"))
                .display()
                .to_string()
        })
        .collect();
    format!(
        "{}:{}",
        tools.join(":"),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Run `aos --json args…` from the repo root; `Ok(stdout JSON)` or `Err(stderr)`.
pub fn aos(args: &[&str]) -> Result<Value, String> {
    let out = aos_raw(args);
    if !out.status.success() {
        return Err(format!(
            "aos {} failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "aos {}: stdout is not JSON ({e}): {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Run `aos --json args…` and return its whole output.
pub fn aos_raw(args: &[&str]) -> Output {
    Command::new(bin("aos"))
        .arg("--json")
        .args(args)
        .current_dir(root())
        .env("PATH", path_env())
        .env_remove("AOS_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run aos")
}

/// A devnet started by `aos devnet up`, stopped on drop.
pub struct Devnet {
    /// Its folder (a temp dir).
    pub dir: PathBuf,
    /// devnet.json.
    pub file: Value,
    _tmp: tempfile::TempDir,
}

impl Devnet {
    /// `aos devnet up --port 0` with `workers` workers, no defector, `jurors` jurors and
    /// `model`.
    ///
    /// # Panics
    /// When `up` fails (its stderr in the message).
    pub fn up(workers: usize, jurors: usize, model: &Path, max_tokens: u32) -> Self {
        Self::up_with(workers, jurors, model, max_tokens, &[])
    }

    /// [`Devnet::up`] with more `aos devnet up` flags (`--no-juror-agents`, `--colluders 1`).
    ///
    /// # Panics
    /// When `up` fails (its stderr in the message).
    pub fn up_with(
        workers: usize,
        jurors: usize,
        model: &Path,
        max_tokens: u32,
        extra: &[&str],
    ) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("devnet");
        let workers = workers.to_string();
        let jurors = jurors.to_string();
        let max_tokens = max_tokens.to_string();
        let mut args = vec![
            "devnet",
            "up",
            "--port",
            "0",
            "--dir",
            dir.to_str().expect("utf-8 path"),
            "--workers",
            &workers,
            "--defectors",
            "0",
            "--jurors",
            &jurors,
            "--model",
            model.to_str().expect("utf-8 path"),
            "--max-tokens",
            &max_tokens,
        ];
        args.extend_from_slice(extra);
        let file = aos(&args).unwrap_or_else(|e| panic!("{e}"));
        Self {
            dir,
            file,
            _tmp: tmp,
        }
    }

    /// `aos --config <dir>/config.toml <global…> args…` as the account with `role` and
    /// index `index` (keystore + password file).
    pub fn aos_as(&self, role: &str, args: &[&str]) -> Result<Value, String> {
        self.aos_as_n(role, 0, args)
    }

    /// [`Devnet::aos_as`] as the `n`-th account with `role`.
    pub fn aos_as_n(&self, role: &str, n: usize, args: &[&str]) -> Result<Value, String> {
        let mut all = self.globals(role, n);
        all.extend(args.iter().map(|s| (*s).to_owned()));
        aos(&all.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// The global `aos` flags that act as the `n`-th account with `role`: config, keystore,
    /// password file, its data folder (`<dir>/data/<role>-<account index>`, the one `aos
    /// devnet up` gives that account's juror agent and `aos demo` uses), and its agent key
    /// when it has one.
    pub fn globals(&self, role: &str, n: usize) -> Vec<String> {
        let acct = self.account(role, n);
        let data = format!("data/{role}-{}", acct["index"]);
        let mut all = vec![
            "--config".to_owned(),
            self.dir.join("config.toml").display().to_string(),
            "--keystore".to_owned(),
            acct["keystore"].as_str().unwrap_or_default().to_owned(),
            "--password-file".to_owned(),
            self.file["password_file"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            "--data-dir".to_owned(),
            self.dir.join(data).display().to_string(),
        ];
        if let Some(k) = acct["agent_key"].as_str() {
            all.extend(["--agent-key".to_owned(), k.to_owned()]);
        }
        all
    }

    /// The `n`-th account with `role` in devnet.json.
    pub fn account(&self, role: &str, n: usize) -> &Value {
        self.file["accounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["role"] == role)
            .nth(n)
            .unwrap_or_else(|| panic!("no {role} #{n} in devnet.json"))
    }

    /// An account's address.
    pub fn address(&self, role: &str, n: usize) -> Address {
        self.account(role, n)["address"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("address")
    }

    /// The RPC URL.
    pub fn rpc(&self) -> String {
        self.file["rpc_url"].as_str().expect("rpc_url").to_owned()
    }

    /// Read-only contract handles.
    pub fn reader(&self) -> AosContracts {
        let d = Deployments::load(Path::new(
            self.file["deployments_path"]
                .as_str()
                .expect("deployments_path"),
        ))
        .expect("deployments");
        let p = ProviderBuilder::new()
            .connect_http(self.rpc().parse().expect("rpc url"))
            .erased();
        AosContracts::new(p, d)
    }

    /// Write a §6.2 task spec asking `prompt` and return its path.
    pub fn spec(&self, name: &str, prompt: &str) -> PathBuf {
        use aos_protocol::messages::{Message as _, TaskSpec};
        let spec = TaskSpec::prompt(
            name,
            "summarisation",
            aos_protocol::AgentKey::generate().agent_id(),
            prompt,
            1_800_000,
            10_000_000_000_000_000, // 0.01 ETH
        );
        let p = self.dir.join(format!("{name}.json"));
        std::fs::write(&p, spec.to_json().expect("spec")).expect("write spec");
        p
    }

    /// A spec asking for a summary that must mention the outage (a required pattern).
    pub fn checked_spec(&self, name: &str) -> PathBuf {
        let spec = TaskSpec::prompt(
            name,
            "summarisation",
            AgentKey::generate().agent_id(),
            "Summarise: the database was down for three hours because its disk was full.",
            1_800_000,
            10_000_000_000_000_000,
        )
        .with_acceptance(Acceptance {
            checks: vec![Check::Pattern {
                regex: "(?i)outage|down".into(),
                required: true,
            }],
            ..Default::default()
        });
        let p = self.dir.join(format!("{name}.json"));
        std::fs::write(&p, spec.to_json().unwrap()).unwrap();
        p
    }

    /// Posts `spec` as `role` #`n` (optionally as a sub-task of `parent`); the task id.
    pub fn post(&self, role: &str, n: usize, spec: &Path, parent: Option<B256>) -> B256 {
        let mut args = vec![
            "task".to_owned(),
            "post".into(),
            "--payment".into(),
            "0.01eth".into(),
            "--domain".into(),
            "summarisation".into(),
            "--spec".into(),
            spec.display().to_string(),
        ];
        if let Some(p) = parent {
            args.extend(["--parent".into(), format!("{p:#x}")]);
        }
        let r = self
            .aos_as_n(
                role,
                n,
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        r["task_id"].as_str().unwrap().parse().unwrap()
    }

    /// `role` #`n` claims `task` and submits a result that fails the spec's pattern (published
    /// on the blob gateway first, as any worker's result is reachable).
    pub fn claim_and_submit_bad(&self, role: &str, n: usize, task: B256, spec: &Path) {
        let id = format!("{task:#x}");
        self.aos_as_n(role, n, &["task", "claim", &id])
            .unwrap_or_else(|e| panic!("{e}"));
        let spec_hash = aos_protocol::ContentId::of(&std::fs::read(spec).unwrap());
        let result = ResultBlob {
            task_id: id.clone(),
            spec_hash: spec_hash.to_string(),
            worker: AgentKey::generate().agent_id(),
            executor: "human".into(),
            model: None,
            output: "I could not be bothered to read it.".into(),
            timing: Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: None,
                output_tokens: None,
            },
        };
        let file = self.dir.join(format!("result-{}.json", &id[2..10]));
        std::fs::write(&file, result.to_json().unwrap()).unwrap();
        let f = file.display().to_string();
        self.aos_as_n(role, n, &["blob", "put", &f])
            .unwrap_or_else(|e| panic!("{e}"));
        self.aos_as_n(role, n, &["task", "submit", &id, "--result", &f])
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// `role` #`n` (the requester) reviews `task` with `--policy auto`: the result fails, it is
    /// rejected with the verdict as evidence; the dispute id.
    pub fn reject(&self, role: &str, n: usize, task: B256) -> u64 {
        let r = self
            .aos_as_n(
                role,
                n,
                &["task", "review", &format!("{task:#x}"), "--policy", "auto"],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r["action"], "rejected", "{r:#}");
        let d = &r["dispute_id"];
        d.as_u64()
            .or_else(|| {
                let s = d.as_str()?;
                match s.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).ok(),
                    None => s.parse().ok(),
                }
            })
            .unwrap_or_else(|| panic!("no dispute id: {r:#}"))
    }

    /// The worker processes' pids (devnet.json `services` named `aos-worker`).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.file["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["name"] == "aos-worker")
            .filter_map(|s| s["pid"].as_u64().map(|p| p as u32))
            .collect()
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = aos_raw(&["devnet", "down", "--dir", &self.dir.display().to_string()]);
    }
}

/// Poll until task `id` reaches one of `want`; panics on a final other status or after
/// `within`.
pub async fn wait_status(c: &AosContracts, id: B256, want: &[TaskStatus], within: Duration) {
    let until = Instant::now() + within;
    loop {
        let s = c.task_status(id).await.expect("taskState");
        if want.contains(&s) {
            return;
        }
        assert!(
            !s.is_final() && Instant::now() < until,
            "task {id:#x} is {s:?}, expected {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Poll until `who` has nothing left to withdraw in the market (aos-worker auto-withdraws).
pub async fn wait_withdrawn(c: &AosContracts, who: Address, within: Duration) {
    let until = Instant::now() + within;
    while c.market_balance(who, Address::ZERO).await.expect("balance")
        > alloy::primitives::U256::ZERO
    {
        assert!(Instant::now() < until, "{who} did not withdraw");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `GET url` as JSON.
///
/// # Panics
/// On a transport error, a non-2xx status or a body that is not JSON.
pub async fn get_json(url: &str) -> Value {
    let r = reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}
