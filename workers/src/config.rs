//! Worker configuration: a TOML file, then `AOS_WORKER_*` environment variables, then
//! command-line flags (whose shared settings also read the `AOS_*` variables every AOS binary
//! reads, see `aos-args`), each overriding the one before (figment).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything a worker needs to run. Field docs name the TOML key (same as the field).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    /// JSON-RPC URL of the chain, e.g. `http://127.0.0.1:8545` (key `rpc`, like `--rpc` /
    /// `AOS_RPC`).
    pub rpc: String,
    /// Deployments JSON written by `script/Deploy.s.sol`.
    pub deployments: PathBuf,
    /// Ethereum keystore (encrypted JSON) of the worker's account.
    pub keystore: PathBuf,
    /// Raw private key, hex, used instead of the keystore when set (development only: it
    /// shows in `ps` and shell history; key `private_key`, like `--private-key` /
    /// `AOS_PRIVATE_KEY`). Never logged: [`WorkerConfig`]'s `Debug` redacts it.
    pub private_key: Option<Redacted>,
    /// Keystore password, read from this environment variable …
    pub keystore_password_env: String,
    /// … or from this file (first line), when set (key `password_file`, like
    /// `--password-file` / `AOS_PASSWORD_FILE`).
    pub password_file: Option<PathBuf>,
    /// Agent key file (aos-protocol key file, Argon2id + XChaCha20-Poly1305).
    pub agent_key: PathBuf,
    /// Agent key passphrase environment variable.
    pub agent_key_passphrase_env: String,
    /// Skills the worker has (a task's `required_skills` must be a subset).
    pub skills: Vec<String>,
    /// Karma domains the worker takes tasks in (on-chain `domain`, e.g. `summarisation`).
    /// Empty = any.
    pub domains: Vec<String>,
    /// Executors, tried in order; the first whose `task_types` match runs the task.
    pub executors: Vec<ExecutorConfig>,
    /// Minimum payment per asset, in the asset's smallest unit (wei for ETH), keyed by
    /// asset address (`0x000…0` = ETH). Assets not listed are refused.
    pub min_payment: BTreeMap<String, String>,
    /// Most tasks in flight at once.
    pub max_concurrent_tasks: usize,
    /// Folder of the worker's SQLite state, blob store and secrets.
    pub data_dir: PathBuf,
    /// Mesh listen addresses (multiaddrs).
    pub listen: Vec<String>,
    /// Mesh bootstrap peers (multiaddrs ending in `/p2p/<peer id>`).
    pub bootstrap: Vec<String>,
    /// Discover peers with mDNS.
    pub mdns: bool,
    /// How often the chain is polled for `TaskPosted` logs and task states, milliseconds.
    pub poll_interval_ms: u64,
    /// Optional HTTP gateway for spec blobs: `GET <url>/<0x id>` (fallback after the mesh).
    pub blob_gateway: Option<String>,
    /// Withdraw earnings right after each acceptance.
    pub auto_withdraw: bool,
    /// Seconds of margin a task needs before its completion deadline to be claimed.
    pub deadline_margin_s: u64,
    /// Checking its own results against the task's acceptance criteria (TOML table
    /// `[verify]`).
    pub verify: VerifyConfig,
}

/// Self-checks (issue 13): the worker runs the requester's evaluator (aos-verify) on its
/// own result before submitting it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VerifyConfig {
    /// Evaluate each result before submitting; when it fails, run the executor again (key
    /// `self_check`). Off only for the demo's lazy defector.
    pub self_check: bool,
    /// Most executor runs per task while self-checks fail (≥ 1); the best-scoring result
    /// is submitted after the last.
    pub max_attempts: u32,
    /// Executor kind whose model judges rubric tasks (`local_llama`, `openai`,
    /// `anthropic`). Unset: tasks with a rubric are not claimed (the worker could not
    /// check them), and the log says so.
    pub judge: Option<String>,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        Self {
            self_check: true,
            max_attempts: 3,
            judge: None,
        }
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            rpc: "http://127.0.0.1:8545".into(),
            deployments: "deployments/local.json".into(),
            keystore: "keystore.json".into(),
            private_key: None,
            keystore_password_env: "AOS_PASSWORD".into(),
            password_file: None,
            agent_key: "agent.key".into(),
            agent_key_passphrase_env: "AOS_AGENT_PASSPHRASE".into(),
            skills: Vec::new(),
            domains: Vec::new(),
            executors: vec![ExecutorConfig::Echo(EchoConfig::default())],
            min_payment: BTreeMap::from([(
                format!("{:#x}", alloy::primitives::Address::ZERO),
                "0".into(),
            )]),
            max_concurrent_tasks: 2,
            data_dir: ".aos-worker".into(),
            listen: vec![
                "/ip4/0.0.0.0/tcp/4001".into(),
                "/ip4/0.0.0.0/udp/4001/quic-v1".into(),
            ],
            bootstrap: Vec::new(),
            mdns: false,
            poll_interval_ms: 2000,
            blob_gateway: None,
            auto_withdraw: true,
            deadline_margin_s: 30,
            verify: VerifyConfig::default(),
        }
    }
}

/// One executor and its settings (TOML: `[[executors]] kind = "…"`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExecutorConfig {
    /// Local GGUF model through llama.cpp.
    LocalLlama(LlamaConfig),
    /// An OpenAI-compatible Chat Completions API (OpenAI, xAI, Gemini's OpenAI endpoint,
    /// llama.cpp server, ollama, vLLM).
    Openai(CloudConfig),
    /// The Anthropic Messages API.
    Anthropic(CloudConfig),
    /// A person: tasks wait until `aos-worker human submit`.
    Human(HumanConfig),
    /// Echoes the prompt back (development and tests; never use for paid work).
    Echo(EchoConfig),
    /// The lazy defector: invents an answer without reading the task (the demo's devnet
    /// and simulations; never use for paid work, its results fail acceptance checks).
    Lazy(LazyConfig),
}

/// Settings of the local llama executor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LlamaConfig {
    /// GGUF file (`script/fetch-model.sh` prints the default SmolLM2 path).
    pub model: PathBuf,
    /// Threads for prompt and generation (set explicitly: llama.cpp's default 4 is slow
    /// on 2 cores).
    #[serde(default = "one")]
    pub threads: u16,
    /// Most tokens generated per task.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Context size in tokens.
    #[serde(default = "default_ctx")]
    pub n_ctx: u32,
    /// Task types it takes (empty = any).
    #[serde(default)]
    pub task_types: Vec<String>,
}

/// Settings of a cloud LLM executor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CloudConfig {
    /// Base URL: `https://api.openai.com`, `https://api.x.ai`,
    /// `https://generativelanguage.googleapis.com/v1beta/openai` (Gemini),
    /// `http://127.0.0.1:8080` (llama.cpp server), `http://127.0.0.1:11434` (ollama),
    /// `https://api.anthropic.com`. The path (`/v1/chat/completions`, `/v1/messages`) is
    /// appended; a base already ending in `/v1` or `/openai` gets only the rest.
    pub base_url: String,
    /// Model name, e.g. `gpt-4o-mini`, `grok-3`, `gemini-2.0-flash`, `claude-sonnet-4-5`.
    pub model: String,
    /// Name of the API key in the encrypted secrets file (`aos-worker secret set NAME`).
    pub api_key_secret: String,
    /// Most tokens generated per task.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Request timeout, seconds.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
    /// Task types it takes (empty = any).
    #[serde(default)]
    pub task_types: Vec<String>,
}

impl CloudConfig {
    /// The endpoint settings the aos-llm client takes.
    pub fn remote(&self) -> aos_llm::RemoteConfig {
        aos_llm::RemoteConfig {
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            max_tokens: self.max_tokens,
            timeout: std::time::Duration::from_secs(self.timeout_s),
        }
    }
}

/// Settings of the human executor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct HumanConfig {
    /// Task types it takes (empty = any).
    #[serde(default)]
    pub task_types: Vec<String>,
}

/// Settings of the echo executor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct EchoConfig {
    /// Artificial work time, milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
    /// Task types it takes (empty = any).
    #[serde(default)]
    pub task_types: Vec<String>,
}

/// Settings of the lazy defector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct LazyConfig {
    /// Task types it takes (empty = any).
    #[serde(default)]
    pub task_types: Vec<String>,
}

fn one() -> u16 {
    1
}
fn default_max_tokens() -> u32 {
    256
}
fn default_ctx() -> u32 {
    2048
}
fn default_timeout_s() -> u64 {
    60
}

impl ExecutorConfig {
    /// Task types this executor takes (empty = any).
    pub fn task_types(&self) -> &[String] {
        match self {
            Self::LocalLlama(c) => &c.task_types,
            Self::Openai(c) | Self::Anthropic(c) => &c.task_types,
            Self::Human(c) => &c.task_types,
            Self::Echo(c) => &c.task_types,
            Self::Lazy(c) => &c.task_types,
        }
    }

    /// Kind name as in TOML (`local_llama`, `openai`, `anthropic`, `human`, `echo`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LocalLlama(_) => "local_llama",
            Self::Openai(_) => "openai",
            Self::Anthropic(_) => "anthropic",
            Self::Human(_) => "human",
            Self::Echo(_) => "echo",
            Self::Lazy(_) => "lazy",
        }
    }
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The merged figment did not deserialize.
    #[error("configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
    /// A value is out of range.
    #[error("configuration: {0}")]
    Invalid(String),
}

/// A secret setting: serialised as itself (figment needs it), debug-printed as `<redacted>`.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Keys renamed when the four binaries took one settings vocabulary (`aos-args`).
const RENAMED_KEYS: [(&str, &str); 2] = [
    ("rpc_url", "rpc"),
    ("keystore_password_file", "password_file"),
];

impl WorkerConfig {
    /// Loads defaults ← `file` (TOML, if given) ← `AOS_WORKER_*` environment variables
    /// (`AOS_WORKER_SKILLS`, `AOS_WORKER_MAX_CONCURRENT_TASKS`, …) ← `overrides` (the
    /// flags the user set, as a serializable struct whose `None` fields are skipped).
    ///
    /// # Errors
    /// [`ConfigError`] naming the bad key.
    pub fn load<O: Serialize>(file: Option<&Path>, overrides: &O) -> Result<Self, ConfigError> {
        let mut f = Figment::from(Serialized::defaults(WorkerConfig::default()));
        if let Some(p) = file {
            f = f.merge(Toml::file_exact(p));
        }
        let f = f
            .merge(Env::prefixed("AOS_WORKER_").ignore(&["config"]))
            .merge(Serialized::defaults(overrides));
        for (old, new) in RENAMED_KEYS {
            if f.contains(old) {
                return Err(ConfigError::Invalid(format!(
                    "the key `{old}` is now `{new}` (the same name as the flag and the AOS_* \
                     variable every AOS binary reads): rename it"
                )));
            }
        }
        let cfg: WorkerConfig = f.extract().map_err(Box::new)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks ranges.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_concurrent_tasks == 0 {
            return Err(ConfigError::Invalid(
                "max_concurrent_tasks must be ≥ 1".into(),
            ));
        }
        if self.executors.is_empty() {
            return Err(ConfigError::Invalid(
                "at least one executor is needed".into(),
            ));
        }
        if self.verify.max_attempts == 0 {
            return Err(ConfigError::Invalid(
                "verify.max_attempts must be ≥ 1".into(),
            ));
        }
        if let Some(j) = &self.verify.judge
            && !self.executors.iter().any(|e| e.kind() == j)
        {
            return Err(ConfigError::Invalid(format!(
                "verify.judge = {j:?} names no configured executor (kinds: {})",
                self.executors
                    .iter()
                    .map(ExecutorConfig::kind)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for (asset, v) in &self.min_payment {
            asset.parse::<alloy::primitives::Address>().map_err(|_| {
                ConfigError::Invalid(format!("min_payment key {asset:?} is not an address"))
            })?;
            v.parse::<u128>().map_err(|_| {
                ConfigError::Invalid(format!("min_payment[{asset}] = {v:?} is not an integer"))
            })?;
        }
        Ok(())
    }

    /// Poll interval.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(50))
    }

    /// Minimum payment for `asset` in its smallest unit; `None` if the asset is refused.
    pub fn min_payment_for(&self, asset: alloy::primitives::Address) -> Option<u128> {
        self.min_payment.iter().find_map(|(a, v)| {
            (a.parse::<alloy::primitives::Address>().ok() == Some(asset))
                .then(|| v.parse().ok())
                .flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_env_and_flags_merge() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.toml");
        std::fs::write(
            &p,
            r#"
rpc = "http://from-file"
password_file = "pw.txt"
skills = ["summarisation"]
max_concurrent_tasks = 3
[[executors]]
kind = "openai"
base_url = "https://api.openai.com"
model = "gpt-4o-mini"
api_key_secret = "openai"
[[executors]]
kind = "human"
"#,
        )
        .unwrap();
        #[derive(Serialize)]
        struct O {
            #[serde(skip_serializing_if = "Option::is_none")]
            max_concurrent_tasks: Option<usize>,
        }
        let c = WorkerConfig::load(
            Some(&p),
            &O {
                max_concurrent_tasks: Some(5),
            },
        )
        .unwrap();
        assert_eq!(c.rpc, "http://from-file");
        assert_eq!(c.password_file.as_deref(), Some(Path::new("pw.txt")));
        assert_eq!(c.max_concurrent_tasks, 5);
        assert_eq!(c.executors.len(), 2);
        assert_eq!(c.executors[0].kind(), "openai");
        assert_eq!(c.min_payment_for(alloy::primitives::Address::ZERO), Some(0));
        std::fs::write(&p, "nonsense_key = 1").unwrap();
        let e = WorkerConfig::load(
            Some(&p),
            &O {
                max_concurrent_tasks: None,
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("nonsense_key"), "{e}");
        // a file written before the rename says what the key is called now
        std::fs::write(&p, "rpc_url = \"http://old\"").unwrap();
        let e = WorkerConfig::load(
            Some(&p),
            &O {
                max_concurrent_tasks: None,
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("`rpc_url` is now `rpc`"), "{e}");
    }
}
