//! The `aos-worker` command: one clap parser, shared option groups, one file per
//! subcommand (foundry's `opts.rs` / `cmd/` layout).

mod human;
mod key;
mod register;
mod run;
mod secret;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use eyre::{Context, Result};
use serde::Serialize;

use crate::config::WorkerConfig;

const EXAMPLES: &str = "\
Examples:
  # create an agent key (Ed25519, encrypted with AOS_AGENT_PASSPHRASE)
  AOS_AGENT_PASSPHRASE=pw aos-worker key new --agent-key agent.key

  # store an API key for a cloud executor, encrypted at rest
  echo sk-... | AOS_SECRETS_PASSPHRASE=pw aos-worker secret set openai

  # register the agent on chain (account from the keystore, manifest from the config)
  AOS_PASSWORD=pw AOS_AGENT_PASSPHRASE=pw aos-worker -c worker.toml register

  # run against a local devnet with two skills, at most 2 tasks at once
  aos-worker -c worker.toml --rpc http://127.0.0.1:8545 \\
      --skills summarisation,translation --max-concurrent-tasks 2 run

  # work through the human queue
  aos-worker -c worker.toml human list
  aos-worker -c worker.toml human submit 0x1234…cdef answer.txt

A minimal worker.toml:
  rpc = \"http://127.0.0.1:8545\"
  deployments = \".devnet/deployments.json\"
  keystore = \"keys/worker.json\"
  agent_key = \"keys/agent.key\"
  skills = [\"summarisation\"]
  domains = [\"summarisation\"]
  data_dir = \".aos-worker\"
  bootstrap = [\"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…\"]
  [min_payment]
  \"0x0000000000000000000000000000000000000000\" = \"1000000000000000\"  # 0.001 ETH
  [verify]               # check results against the task's acceptance before submitting
  self_check = true      # default
  max_attempts = 3       # runs while the self-check fails; the best result is submitted
  judge = \"local_llama\"  # the executor whose model judges rubric tasks (unset: not claimed)
  [[executors]]
  kind = \"local_llama\"
  model = \".models/SmolLM2-135M-Instruct.Q4_1.gguf\"
  threads = 2
  max_tokens = 256
  [[executors]]
  kind = \"anthropic\"
  base_url = \"https://api.anthropic.com\"
  model = \"claude-sonnet-4-5\"
  api_key_secret = \"anthropic\"

Every setting may also come from AOS_WORKER_<KEY> (e.g. AOS_WORKER_SKILLS); the flags
shared by every AOS binary also read their AOS_* variable (AOS_RPC, AOS_KEYSTORE, …, see
the README's settings table). Flags win over the environment, which wins over the file.";

/// An AOS worker agent: takes paid tasks from the mesh and the chain, runs them, gets paid.
#[derive(Debug, Parser)]
#[command(name = "aos-worker", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Configuration overrides (flags beat AOS_WORKER_* variables beat the file).
    #[command(flatten)]
    pub opts: ConfigArgs,
    /// Logging.
    #[command(flatten)]
    pub log: aos_args::LogArgs,
    /// What to do.
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// Settings shared by every subcommand. The shared groups (`aos-args`) carry the names every
/// AOS binary uses (`--rpc` / `AOS_RPC`, …); their TOML keys are the same words.
#[derive(Debug, Args, Serialize, Default)]
pub struct ConfigArgs {
    /// TOML configuration file.
    #[arg(
        short = 'c',
        long = "config",
        env = "AOS_CONFIG",
        global = true,
        value_name = "FILE"
    )]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Chain endpoint and deployments.
    #[command(flatten)]
    #[serde(flatten)]
    pub rpc: aos_args::RpcArgs,
    /// The worker's Ethereum account.
    #[command(flatten)]
    #[serde(flatten)]
    pub wallet: aos_args::WalletArgs,
    /// The worker's agent key.
    #[command(flatten)]
    #[serde(flatten)]
    pub agent: aos_args::AgentKeyArgs,
    /// Mesh listen and bootstrap addresses.
    #[command(flatten)]
    #[serde(flatten)]
    pub mesh: aos_args::MeshArgs,
    /// Folder for the SQLite state, blobs and secrets [config `data_dir`].
    #[arg(long, env = "AOS_DATA_DIR", global = true, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Skills, comma-separated (a task's required_skills must be among them).
    #[arg(long, global = true, value_delimiter = ',')]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    /// Karma domains served, comma-separated (empty = any).
    #[arg(long, global = true, value_delimiter = ',')]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Most tasks in flight at once.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_tasks: Option<usize>,
    /// Chain poll interval in milliseconds.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<u64>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the worker until ctrl-c / SIGTERM (in-flight tasks resume on the next start).
    Run,
    /// Register the agent in AgentRegistry (manifest blob + Ed25519 binding signature).
    Register,
    /// The human task queue.
    #[command(subcommand)]
    Human(human::HumanCmd),
    /// API keys for cloud executors, encrypted at rest (passphrase in $AOS_SECRETS_PASSPHRASE).
    #[command(subcommand)]
    Secret(secret::SecretCmd),
    /// Agent keys.
    #[command(subcommand)]
    Key(key::KeyCmd),
}

/// Entry point of the binary.
///
/// # Errors
/// Any failure, with context.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    cli.log.init("info");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the tokio runtime")?;
    rt.block_on(async move {
        let cfg = load_config(&cli.opts)?;
        match cli.cmd {
            Cmd::Run => run::run(cfg).await,
            Cmd::Register => register::run(cfg).await,
            Cmd::Human(c) => human::run(cfg, c).await,
            Cmd::Secret(c) => secret::run(cfg, c),
            Cmd::Key(c) => key::run(cfg, c),
        }
    })
}

fn load_config(opts: &ConfigArgs) -> Result<WorkerConfig> {
    WorkerConfig::load(opts.config.as_deref(), opts).wrap_err("cannot load the configuration")
}

/// Reads a secret from an environment variable named `var`, else the first line of `file`.
fn secret_from(var: &str, file: Option<&Path>) -> Result<String> {
    if let Ok(v) = std::env::var(var) {
        return Ok(v);
    }
    if let Some(f) = file {
        let s = std::fs::read_to_string(f)
            .wrap_err_with(|| format!("cannot read the password file {}", f.display()))?;
        return Ok(s.lines().next().unwrap_or_default().to_owned());
    }
    eyre::bail!("set ${var} (or a password file)")
}

/// Where the SQLite database lives.
pub fn db_path(cfg: &WorkerConfig) -> PathBuf {
    cfg.data_dir.join("worker.db")
}

/// Where the encrypted secrets live.
pub fn secrets_path(cfg: &WorkerConfig) -> PathBuf {
    cfg.data_dir.join("secrets.json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn help_has_examples_and_parses() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Examples:"), "{help}");
        let cli = Cli::parse_from([
            "aos-worker",
            "--skills",
            "a,b",
            "--max-concurrent-tasks",
            "3",
            "human",
            "list",
        ]);
        assert_eq!(
            cli.opts.skills.as_deref(),
            Some(&["a".to_string(), "b".to_string()][..])
        );
        let cfg = WorkerConfig::load(None, &cli.opts).unwrap();
        assert_eq!(cfg.max_concurrent_tasks, 3);
    }
}
