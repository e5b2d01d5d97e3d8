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
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("devnet");
        let file = aos(&[
            "devnet",
            "up",
            "--port",
            "0",
            "--dir",
            dir.to_str().expect("utf-8 path"),
            "--workers",
            &workers.to_string(),
            "--defectors",
            "0",
            "--jurors",
            &jurors.to_string(),
            "--model",
            model.to_str().expect("utf-8 path"),
            "--max-tokens",
            &max_tokens.to_string(),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        Self {
            dir,
            file,
            _tmp: tmp,
        }
    }

    /// `aos --config <dir>/config.toml <global…> args…` as the account with `role` and
    /// index `index` (keystore + password file).
    pub fn aos_as(&self, role: &str, args: &[&str]) -> Result<Value, String> {
        let acct = self.account(role, 0);
        let cfg = self.dir.join("config.toml");
        let mut all = vec![
            "--config".to_owned(),
            cfg.display().to_string(),
            "--keystore".to_owned(),
            acct["keystore"].as_str().unwrap_or_default().to_owned(),
            "--password-file".to_owned(),
            self.file["password_file"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            "--data-dir".to_owned(),
            self.dir.join(format!("data-{role}")).display().to_string(),
        ];
        all.extend(args.iter().map(|s| (*s).to_owned()));
        aos(&all.iter().map(String::as_str).collect::<Vec<_>>())
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
