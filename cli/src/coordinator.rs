//! The `aos-coordinator ask` command `aos` runs, built from `aos ask`'s arguments and the
//! global settings: used by `aos ask` and by the main job (`aos demo`), so neither subcommand
//! imports the other.
//!
//! A step is public (a paid task, its prompt stripped of PII) unless `--local`, or the
//! planner flags it private *and* the PII detector finds personal data in the request; the
//! plan printed says why each private step stays local. `--max-escrow` bounds what the
//! request escrows on chain, in the chain's asset. On a devnet the coordinator's state
//! (blobs, announcement nonce) lives in the devnet folder.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use clap::Args;
use eyre::{Result, WrapErr, bail};

use crate::{ctx::Ctx, procs::require_binary};

/// `ask` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # plan with the local model, post each step as a paid task, aggregate the workers' answers
  aos ask \"Summarise this incident report and list the three most urgent follow-ups\" \\
      --file examples/incident-report.txt

  # keep everything on this machine (no chain, no workers)
  aos ask \"Summarise this\" --file notes.txt --local

  # the coordinator's whole report, for machines
  aos --json ask \"…\" --file report.txt | jq .answer

  # a plan file whose steps carry acceptance criteria; failing results are rejected
  aos ask \"Summarise this incident report and list the three most urgent follow-ups\" \\
      --file examples/incident-report.txt --plan examples/incident-plan.json --review auto

  # at most 0.03 ETH escrowed on chain for the whole request
  aos ask \"…\" --file report.txt --max-escrow 0.03eth

  # anything after -- goes to aos-coordinator ask (see aos-coordinator ask --help)
  aos ask \"…\" -- --redundancy 2 --budget 0.5")]
pub(crate) struct AskArgs {
    /// The request.
    request: String,
    /// A text file appended to the request (e.g. the report to summarise).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Keep every step on the local model: post nothing on chain.
    #[arg(long)]
    local: bool,
    /// The request holds nothing private: every step may go to the market even when the
    /// planner flags it private (prompts are still stripped of e-mails, phones, names).
    #[arg(long)]
    public: bool,
    /// Execute this plan (JSON, protocol/schemas/plan.json) instead of the model's; its
    /// steps may carry acceptance criteria (examples/incident-plan.json).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// What the coordinator does with each market result's verdict: `auto` (accept on
    /// pass; on fail reject with the verdict as evidence and post the step again), `ask`
    /// (leave it for `aos task review`), `accept-all`.
    #[arg(long, default_value = "auto", value_name = "POLICY")]
    review: aos_verify::ReviewPolicy,
    /// Karma domain of the sub-tasks.
    #[arg(long, default_value = "summarisation")]
    domain: String,
    /// Payment per sub-task.
    #[arg(long, default_value = "0.01eth")]
    payment: crate::units::Amount,
    /// Most the whole request escrows on chain (the budget in the chain's asset; the
    /// coordinator's USD `--budget` prices market steps at $0). A step that would pass it
    /// is not posted and says so.
    #[arg(long, default_value = "0.1eth", value_name = "AMOUNT")]
    max_escrow: crate::units::Amount,
    /// More `aos-coordinator ask` arguments.
    #[arg(last = true)]
    extra: Vec<String>,
}

impl AskArgs {
    /// `aos ask REQUEST --file FILE --plan PLAN` delegating to the market in `domain` at
    /// 0.01 ETH a step, reviewing with the policy `auto`.
    pub(crate) fn for_demo(
        request: &str,
        file: &std::path::Path,
        plan: &std::path::Path,
        domain: &str,
    ) -> Self {
        Self {
            request: request.to_owned(),
            file: Some(file.to_owned()),
            plan: Some(plan.to_owned()),
            review: aos_verify::ReviewPolicy::Auto,
            local: false,
            public: true,
            domain: domain.to_owned(),
            payment: crate::units::Amount(alloy::primitives::U256::from(
                10_000_000_000_000_000u128,
            )),
            max_escrow: crate::units::Amount(alloy::primitives::U256::from(
                100_000_000_000_000_000u128,
            )),
            extra: Vec::new(),
        }
    }
}

/// The `aos-coordinator ask` command for `a` with the global settings (the keystore's
/// password goes in the environment, never on the command line).
pub(crate) fn coordinator_command(ctx: &Ctx, a: &AskArgs) -> Result<Command> {
    let bin = require_binary("aos-coordinator", "aos-coordinator")?;
    let s = &ctx.s;
    let mut cmd = Command::new(bin);
    cmd.arg("ask").arg(&a.request);
    if let Some(f) = &a.file {
        if !f.is_file() {
            bail!("--file {} does not exist", f.display());
        }
        cmd.arg("--file").arg(f);
    }
    if let Some(p) = &a.plan {
        if !p.is_file() {
            bail!("--plan {} does not exist", p.display());
        }
        cmd.arg("--plan").arg(p);
    }
    cmd.arg("--review").arg(a.review.as_str());
    if let Some(m) = &s.model {
        cmd.arg("--model").arg(m);
    }
    if ctx.out.json {
        cmd.arg("--json");
    }
    if !a.local {
        if !s.deployments.is_file() {
            bail!(
                "delegating to the market needs the deployments file {} (`aos devnet up`, or \
                 --deployments); --local keeps the request on this machine",
                s.deployments.display()
            );
        }
        cmd.arg("--rpc")
            .arg(&s.rpc)
            .arg("--deployments")
            .arg(&s.deployments);
        match (&s.keystore, &s.private_key) {
            (Some(ks), _) => {
                cmd.arg("--keystore").arg(ks);
                if let Some(pw) = ctx.password()? {
                    cmd.env("AOS_PASSWORD", pw);
                }
            }
            (None, Some(k)) => {
                cmd.env("AOS_PRIVATE_KEY", k);
            }
            (None, None) => bail!(
                "the requester's account pays the sub-tasks: pass --keystore (with \
                 --password-file) or --private-key, or --local"
            ),
        }
        if let Some(i) = &s.indexer {
            cmd.arg("--indexer").arg(i);
        }
        for b in &s.bootstrap {
            cmd.arg("--bootstrap").arg(b);
        }
        let wei: u128 = a
            .payment
            .0
            .try_into()
            .wrap_err("--payment does not fit uint128")?;
        let max_escrow_wei: u128 = a
            .max_escrow
            .0
            .try_into()
            .wrap_err("--max-escrow does not fit uint128")?;
        cmd.arg("--mesh-domain")
            .arg(&a.domain)
            .arg("--mesh-payment-wei")
            .arg(wei.to_string())
            .arg("--max-escrow-wei")
            .arg(max_escrow_wei.to_string())
            .arg("--data-dir")
            .arg(coordinator_dir(&s.deployments, &s.data_dir))
            .arg("--prefer-mesh");
    }
    if a.public {
        cmd.arg("--public");
    }
    cmd.args(&a.extra);
    Ok(cmd)
}

/// The coordinator's state folder: `<devnet>/coordinator` when `deployments` belongs to a
/// devnet (a `devnet.json` beside it), so its state stays with the devnet it was made for
/// and nothing is left outside the devnet folder; else `<data_dir>/coordinator`.
fn coordinator_dir(deployments: &Path, data_dir: &Path) -> PathBuf {
    match deployments.parent() {
        Some(d) if d.join("devnet.json").is_file() => d.join("coordinator"),
        _ => data_dir.join("coordinator"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 12): `aos ask` on a devnet kept the coordinator's state (blobs,
    /// nonce) in the user's data folder, which `aos devnet down` never cleans.
    #[test]
    fn coordinator_state_lives_in_the_devnet_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let devnet = tmp.path().join(".devnet");
        std::fs::create_dir_all(&devnet).unwrap();
        std::fs::write(devnet.join("deployments.json"), "{}").unwrap();
        let data = tmp.path().join("data");
        // a deployments file without a devnet: the data folder
        assert_eq!(
            coordinator_dir(&devnet.join("deployments.json"), &data),
            data.join("coordinator")
        );
        std::fs::write(devnet.join("devnet.json"), "{}").unwrap();
        assert_eq!(
            coordinator_dir(&devnet.join("deployments.json"), &data),
            devnet.join("coordinator")
        );
    }
}
