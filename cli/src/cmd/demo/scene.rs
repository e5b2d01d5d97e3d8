//! The demo's stage: the devnet it started, the participants' accounts, and the small
//! actions every phase uses (run `aos` as a participant, wait for a task status, read the
//! indexer, write a task spec).

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
};
use aos_chain::{AosContracts, TaskStatus};
use aos_indexer_api::IndexerClient;
use aos_protocol::AgentKey;
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::Value;

use crate::{
    ctx::Ctx,
    devnet_file::{Account, DevnetFile},
};

/// The running demo: its devnet and how to act on it.
pub(super) struct Demo<'a> {
    /// Settings and output of the `aos demo` invocation.
    pub(super) ctx: &'a Ctx,
    /// The devnet's folder.
    pub(super) dir: PathBuf,
    /// `<dir>/devnet.json`.
    pub(super) net: DevnetFile,
    /// The devnet's RPC.
    pub(super) provider: DynProvider,
    /// The contracts, read-only.
    pub(super) reader: AosContracts,
    /// The `aos` binary (this one).
    pub(super) aos: PathBuf,
    /// The repository.
    pub(super) root: PathBuf,
    /// How long to wait for a worker's result.
    pub(super) wait: Duration,
}

/// Print a progress line.
pub(super) fn say(ctx: &Ctx, msg: impl AsRef<str>) {
    ctx.out.note(msg);
}

/// An id shortened for a progress line.
pub(super) fn short(id: &str) -> String {
    if id.len() > 12 {
        format!("{}…", &id[..10])
    } else {
        id.to_owned()
    }
}

impl Demo<'_> {
    /// The devnet's accounts of one role, in index order.
    pub(super) fn accounts(&self, role: &str) -> Vec<Account> {
        self.net
            .accounts
            .iter()
            .filter(|a| a.role == role)
            .cloned()
            .collect()
    }

    /// The requester's account.
    pub(super) fn requester(&self) -> Result<Account> {
        self.accounts("requester")
            .into_iter()
            .next()
            .ok_or_else(|| eyre!("the devnet has no requester account"))
    }

    /// `<role>-<index>` of a devnet account, `?` for another address.
    pub(super) fn role_of(&self, addr: Address) -> String {
        self.net
            .accounts
            .iter()
            .find(|x| x.address == addr)
            .map(|x| format!("{}-{}", x.role, x.index))
            .unwrap_or_else(|| "?".into())
    }

    /// Run `aos --json <args>` as `who`, stderr shown, stdout parsed.
    pub(super) fn aos(&self, who: &Account, args: &[&str]) -> Result<Value> {
        let data = self.dir.join(format!("data/{}-{}", who.role, who.index));
        let out = Command::new(&self.aos)
            .arg("--config")
            .arg(&self.net.config)
            .arg("--keystore")
            .arg(&who.keystore)
            .arg("--password-file")
            .arg(&self.net.password_file)
            .arg("--data-dir")
            .arg(&data)
            .arg("--json")
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .wrap_err("cannot run aos")?;
        if !out.status.success() {
            bail!(
                "`aos {}` as {} {} failed ({})",
                args.join(" "),
                who.role,
                who.address,
                out.status
            );
        }
        serde_json::from_slice(&out.stdout)
            .wrap_err_with(|| format!("`aos {}` printed no JSON", args.join(" ")))
    }

    /// The chain's head block.
    pub(super) async fn block(&self) -> Result<u64> {
        Ok(self.provider.get_block_number().await?)
    }

    /// The devnet's indexer, through the typed client of its API.
    pub(super) fn indexer(&self) -> Result<IndexerClient> {
        let base = self
            .net
            .indexer_url
            .as_deref()
            .ok_or_else(|| eyre!("the devnet runs no indexer"))?;
        Ok(IndexerClient::new(base))
    }

    /// Wait until the indexer has mirrored the chain's current head.
    pub(super) async fn indexer_caught_up(&self) -> Result<()> {
        let head = self.block().await?;
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let h = self.indexer()?.health().await?;
            if h.last_block.is_some_and(|b| b >= head) {
                return Ok(());
            }
            if Instant::now() > until {
                bail!("the indexer did not reach block {head} within 60 s: {h:?}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Wait until task `id` is in one of `want` (at most `--wait`), with a spinner saying
    /// `what`.
    pub(super) async fn wait_status(
        &self,
        id: B256,
        want: &[TaskStatus],
        what: &str,
    ) -> Result<TaskStatus> {
        let until = Instant::now() + self.wait;
        let pb = self.ctx.out.spinner(what.to_owned());
        loop {
            let s = self.reader.task_status(id).await?;
            if want.contains(&s) {
                pb.finish_and_clear();
                return Ok(s);
            }
            if s.is_final() || Instant::now() > until {
                pb.finish_and_clear();
                bail!(
                    "task {id:#x} is {s:?}, waited for {want:?} ({what}); the workers' logs are in {}",
                    self.dir.join("logs").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Wait until `worker` has withdrawn what the market owed it (aos-worker's
    /// auto_withdraw).
    pub(super) async fn wait_withdrawn(&self, worker: Address) -> Result<()> {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if self.reader.market_balance(worker, Address::ZERO).await? == U256::ZERO {
                self.ctx.out.note("   ✓ the worker withdrew its earnings");
                return Ok(());
            }
            if Instant::now() > until {
                bail!("worker {worker} did not withdraw within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A white-paper §6.2 task spec for a summarisation step, published on the blob
    /// gateway; returns its file.
    /// The steps of `plan` (a plan file) that carry acceptance criteria, in order: the
    /// checkable tasks the demo posts outside the coordinator.
    pub(super) fn checked_steps(
        &self,
        plan: &std::path::Path,
    ) -> Result<Vec<aos_protocol::messages::PlanStep>> {
        let plan: aos_protocol::messages::Plan = serde_json::from_slice(
            &std::fs::read(plan).wrap_err_with(|| format!("cannot read {}", plan.display()))?,
        )
        .wrap_err_with(|| format!("{} is not a plan", plan.display()))?;
        let steps: Vec<_> = plan
            .steps
            .into_iter()
            .filter(|s| s.acceptance.is_some())
            .collect();
        if steps.is_empty() {
            eyre::bail!("the plan has no step with acceptance criteria");
        }
        Ok(steps)
    }

    pub(super) fn spec_file(
        &self,
        name: &str,
        prompt: &str,
        acceptance: Option<aos_protocol::messages::Acceptance>,
        skills: &[&str],
    ) -> Result<PathBuf> {
        use aos_protocol::messages::{Message as _, TaskSpec};
        let mut spec = TaskSpec::prompt(
            format!("demo-{name}"),
            self.net.juror_domain.clone(),
            AgentKey::generate().agent_id(),
            prompt,
            1_800_000,
            10_000_000_000_000_000, // 0.01 ETH
        );
        spec.acceptance = acceptance;
        spec.requirements.required_skills = skills.iter().map(|s| (*s).to_owned()).collect();
        let bytes = spec.to_json().wrap_err("cannot encode the task spec")?;
        let path = self.dir.join(format!("specs/{name}.json"));
        std::fs::create_dir_all(path.parent().unwrap_or(&self.dir))?;
        std::fs::write(&path, bytes)?;
        Ok(path)
    }
}
