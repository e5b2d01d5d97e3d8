//! `aos demo`: the main job, end to end, on a fresh devnet — what AOS is for.
//!
//! 1. `aos devnet up`: anvil, the contracts, the indexer (SQLite), a blob gateway, N workers
//!    running the local model, J staked jurors whose karma came from real tasks, each with
//!    its juror agent (`aos juror run`); and one lazy defector (it invents answers and
//!    claims every skill);
//! 2. a real request (a text file in the repo) goes to the coordinator (`aos ask`) with a
//!    plan whose steps carry acceptance criteria (examples/incident-plan.json); every step
//!    is posted on chain as an escrowed task;
//! 3. workers hear of them over the mesh, claim with stakes, run the model (checking their
//!    own output against the criteria), submit result hashes; the coordinator fetches each
//!    blob over the mesh, evaluates it (aos-verify) and accepts it, or rejects it with the
//!    verdict as evidence and posts the step again; the final answer is composed from the
//!    accepted results and checked; its confidence comes from the verdicts;
//! 4. a task posted by plain `cast send` (spec published on the blob gateway) is taken and
//!    reviewed the same way (`aos task review --policy auto`);
//! 5. the defector takes a checkable task: its result fails, the requester rejects it with
//!    the verdict as evidence; the juror agents draw a jury, each runs the same evaluator
//!    and votes by commit–reveal on its own; the demo only waits, moves time past the appeal
//!    window and executes the ruling; the defector loses its stake; every other dispute of
//!    the run goes through the same jury;
//! 6. the indexer's API is read back (tasks, dispute, karma before and after);
//! 7. a closing summary: answer, balances, karma deltas, gas per step; `devnet down`.
//!
//! Every action runs the `aos` binary itself as its participant would (`aos --keystore
//! requester.json task review …`), so the demo exercises the same commands a person types.

//! | file | what |
//! |---|---|
//! | `mod.rs` | arguments; devnet up, the phases in order, devnet down |
//! | `scene.rs` | the running devnet and the actions every phase uses |
//! | `request.rs` | phase 2: the request through the coordinator |
//! | `cast_task.rs` | phase 3: a task posted by plain `cast send` |
//! | `dispute.rs` | phase 4: a rejected task, its jury and ruling |
//! | `indexer_view.rs` | phase 5: the indexer's API read back |
//! | `balances.rs` | ETH balances and karma, before and after |
//! | `gas.rs` | receipts → gas per contract function per phase |
//! | `summary.rs` | the summary document, JSON or for people |

mod balances;
mod cast_task;
mod dispute;
mod gas;
mod indexer_view;
mod request;
mod scene;
mod summary;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::providers::{Provider, ProviderBuilder};
use aos_chain::AosContracts;
use clap::Args;
use eyre::{Result, WrapErr, bail};

use self::{
    scene::{Demo, say},
    summary::{CastSummary, DisputeSummary, Summary, VerdictSummary, VoteSummary},
};
use crate::{ctx::Ctx, devnet_file::DevnetFile};

/// `demo` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aos demo                                   # the README's first command runs this
  aos demo --keep                            # leave the devnet up to look around
  aos --json demo --model .models/tiny-random-llama.gguf  # JSON summary, any GGUF model")]
pub(crate) struct DemoArgs {
    /// Folder of the devnet it starts (must not hold a running one).
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
    /// The request.
    #[arg(long, default_value = "examples/request.txt", value_name = "FILE")]
    request: PathBuf,
    /// The plan the coordinator executes: steps with acceptance criteria.
    #[arg(
        long,
        default_value = "examples/incident-plan.json",
        value_name = "FILE"
    )]
    plan: PathBuf,
    /// The document the request is about.
    #[arg(
        long,
        default_value = "examples/incident-report.txt",
        value_name = "FILE"
    )]
    file: PathBuf,
    /// GGUF model for the coordinator and the workers (default: SmolLM2 from
    /// script/fetch-model.sh).
    #[arg(long, env = "AOS_MODEL", value_name = "FILE")]
    model: Option<PathBuf>,
    /// Most tokens a worker generates per task.
    #[arg(long, default_value_t = 192)]
    max_tokens: u32,
    /// Leave the devnet running at the end (`aos devnet down` stops it).
    #[arg(long)]
    keep: bool,
    /// How long to wait for a worker's result.
    #[arg(long, default_value = "10m", value_parser = crate::units::parse_duration)]
    wait: Duration,
}

/// Run the main job.
pub(crate) async fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let root = aos_chain::devnet::find_root(None)?;
    let request = std::fs::read_to_string(root.join(&a.request))
        .or_else(|_| std::fs::read_to_string(&a.request))
        .wrap_err_with(|| format!("cannot read the request file {}", a.request.display()))?;
    let file = if a.file.is_file() {
        a.file.clone()
    } else {
        root.join(&a.file)
    };
    if !file.is_file() {
        bail!("the document {} does not exist", a.file.display());
    }
    let plan = if a.plan.is_file() {
        std::path::absolute(&a.plan)?
    } else {
        root.join(&a.plan)
    };
    if !plan.is_file() {
        bail!("the plan {} does not exist", a.plan.display());
    }
    let dir = std::path::absolute(&a.dir)?;
    let aos = std::env::current_exe().wrap_err("cannot find the aos binary")?;
    let net = devnet_up(ctx, &a, &aos, &root, &dir)?;
    let provider = ProviderBuilder::new()
        .connect_http(net.rpc_url.parse()?)
        .erased();
    let reader = AosContracts::new(provider.clone(), net.deployments.clone());
    let demo = Demo {
        ctx,
        dir: dir.clone(),
        net,
        provider,
        reader,
        aos: aos.clone(),
        root,
        wait: a.wait,
    };
    let outcome = main_job(&demo, &request, &file, &plan, started).await;
    if a.keep {
        say(
            ctx,
            format!(
                "devnet left running: `aos devnet down --dir {}` stops it",
                dir.display()
            ),
        );
    } else {
        devnet_down(&aos, &dir);
    }
    outcome
}

/// Phase 1: `aos devnet up` into `dir`; its `devnet.json`.
fn devnet_up(ctx: &Ctx, a: &DemoArgs, aos: &Path, root: &Path, dir: &Path) -> Result<DevnetFile> {
    say(
        ctx,
        "== 1. devnet up: anvil, contracts, indexer, blob gateway, workers, jurors",
    );
    let mut up = Command::new(aos);
    up.args(["devnet", "up", "--port", "0", "--dir"])
        .arg(dir)
        .arg("--max-tokens")
        .arg(a.max_tokens.to_string())
        .arg("--root")
        .arg(root)
        .current_dir(root)
        .stdout(Stdio::null());
    if let Some(m) = &a.model {
        up.arg("--model").arg(std::path::absolute(m)?);
    }
    if !up.status().wrap_err("cannot run aos devnet up")?.success() {
        bail!("`aos devnet up` failed (its messages are above)");
    }
    Ok(serde_json::from_slice(&std::fs::read(
        dir.join("devnet.json"),
    )?)?)
}

/// `aos devnet down --dir <dir>`; a failure is a warning.
fn devnet_down(aos: &Path, dir: &Path) {
    let st = Command::new(aos)
        .args(["devnet", "down", "--dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .status();
    if !st.is_ok_and(|s| s.success()) {
        eprintln!("warning: `aos devnet down --dir {}` failed", dir.display());
    }
}

/// Phases 2–7 on the running devnet, then the summary.
async fn main_job(
    demo: &Demo<'_>,
    request: &str,
    file: &Path,
    plan: &Path,
    started: Instant,
) -> Result<()> {
    let req = demo.requester()?;
    let mut workers = demo.accounts("worker");
    workers.extend(demo.accounts("defector"));
    let jurors = demo.accounts("juror");
    let mut gas = demo.gas("1 devnet up", 0, demo.block().await?).await?;
    let bal0 = demo.balances().await?;
    let karma0 = demo.karma().await?;

    let b0 = demo.block().await? + 1;
    let request_block = b0;
    let asked = request::run(demo, &req, request, file, plan, b0).await?;

    let mut other = Vec::new();
    if !asked.disputes.is_empty() {
        say(
            demo.ctx,
            "   the jury rules on the coordinator's rejections now (the court's draw period is short)",
        );
        let items = asked.disputes.iter().map(|(d, t)| (*d, *t, None)).collect();
        other.extend(dispute::judge_all(demo, &req, &workers, &jurors, items).await?);
    }
    let b1 = demo.block().await?;
    gas.extend(demo.gas("2 request", b0, b1).await?);

    let b0 = b1 + 1;
    let cast = cast_task::run(demo, &req, file, plan).await?;
    if let Some(d) = cast.dispute {
        let items = vec![(d, cast.task_id, Some(cast.verdict.clone()))];
        other.extend(dispute::judge_all(demo, &req, &workers, &jurors, items).await?);
    }
    let b1 = demo.block().await?;
    gas.extend(demo.gas("3 cast task", b0, b1).await?);

    let b0 = b1 + 1;
    let first = dispute::run(demo, &req, &workers, &jurors, file, plan).await?;
    let b1 = demo.block().await?;
    gas.extend(demo.gas("4 dispute", b0, b1).await?);

    say(demo.ctx, "== 5. the indexer's API");
    let karma1 = demo.karma().await?;
    let (indexer, idx_dispute) = indexer_view::run(demo, first.dispute_id).await?;
    let mut other_disputes = Vec::new();
    for d in other {
        let i = demo
            .indexer()?
            .dispute(alloy::primitives::U256::from(d.dispute_id))
            .await?
            .dispute;
        other_disputes.push(dispute_summary(d, i));
    }
    let mut verdicts = asked.verdicts;
    verdicts.push(VerdictSummary::from_json(
        "cast task",
        &demo.role_of(cast.worker),
        &cast.verdict,
    ));
    if let Some(v) = &first.verdict {
        verdicts.push(VerdictSummary::from_json(
            "defector task",
            &demo.role_of(first.worker),
            v,
        ));
    }

    let bal1 = demo.balances().await?;
    let summary = Summary {
        steps: asked.report["steps"]
            .as_array()
            .map(Vec::len)
            .unwrap_or_default(),
        plan: asked.report["plan"].clone(),
        answer: asked.answer,
        confidence: asked.report["confidence"].as_f64().unwrap_or_default(),
        verdicts,
        // as they ended: the juries ruled on the rejected ones after phase 2
        sub_tasks: request::posted_since(demo, &req, request_block)
            .await?
            .into_iter()
            .filter(|t| asked.sub_tasks.iter().any(|s| s.task_id == t.task_id))
            .collect(),
        cast_task: CastSummary {
            task_id: cast.task_id,
            worker: cast.worker,
            status: format!("{:?}", demo.reader.task_status(cast.task_id).await?),
        },
        dispute: dispute_summary(first, idx_dispute),
        other_disputes,
        indexer,
        balances: demo.balance_rows(&bal0, &bal1),
        karma: demo.karma_rows(&karma0, &karma1),
        gas,
        seconds: started.elapsed().as_secs(),
        devnet: demo.dir.join("devnet.json"),
    };
    demo.ctx.out.emit(&summary, || summary.human());
    Ok(())
}

/// The summary's part about the dispute.
fn dispute_summary(d: dispute::Disputed, indexer: aos_indexer_api::Dispute) -> DisputeSummary {
    DisputeSummary {
        dispute_id: d.dispute_id,
        task_id: d.task_id,
        worker: d.worker,
        result_hash: d.result_hash,
        verdict: d.verdict,
        votes: d
            .votes
            .into_iter()
            .map(|v| VoteSummary {
                juror: v.juror.address,
                choice: v.choice,
                why: v.why,
            })
            .collect(),
        ruling: d.ruling,
        task_status: format!("{:?}", d.task_status),
        indexer,
    }
}
