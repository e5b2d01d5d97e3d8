//! Phase 2: the request goes to the coordinator (`aos ask --plan`), which posts every step of
//! the plan (with its acceptance criteria) on chain; the workers take and run them; the
//! coordinator evaluates each result, pays the ones that pass and rejects the others with
//! the verdict as evidence, posting the step again.

use std::{path::Path, process::Stdio};

use alloy::primitives::B256;
use aos_indexer_api::{Task, TasksQuery};
use eyre::{Result, WrapErr, bail};
use serde_json::Value;

use super::scene::{Demo, say, short};
use super::summary::VerdictSummary;
use crate::{
    coordinator::{AskArgs, coordinator_command},
    ctx::Ctx,
    devnet_file::Account,
    units::fmt_eth,
};

/// What the coordinator answered and the tasks it posted.
pub(super) struct Asked {
    /// The coordinator's JSON report (plan, steps, answer, confidence).
    pub(super) report: Value,
    /// The answer.
    pub(super) answer: String,
    /// The tasks the requester posted from block `from` on, as the indexer has them.
    pub(super) sub_tasks: Vec<Task>,
    /// The coordinator's verdicts, one per step answer.
    pub(super) verdicts: Vec<VerdictSummary>,
    /// The disputes its rejections opened, with their task ids.
    pub(super) disputes: Vec<(u64, B256)>,
}

/// Run the request through the coordinator as `req`; `from` is the first block of the phase.
pub(super) async fn run(
    demo: &Demo<'_>,
    req: &Account,
    request: &str,
    file: &Path,
    plan: &Path,
    from: u64,
) -> Result<Asked> {
    let ctx = demo.ctx;
    say(
        ctx,
        format!(
            "== 2. request → coordinator (a plan with acceptance criteria; each step an escrowed task)\n   \"{}\" + {} + plan {}",
            request.trim(),
            file.display(),
            plan.display()
        ),
    );
    let report = ask(demo, req, request, file, plan).await?;
    let answer = report["answer"].as_str().unwrap_or_default().to_owned();
    let mut verdicts = Vec::new();
    let mut disputes = Vec::new();
    for st in report["steps"].as_array().into_iter().flatten() {
        let route = &st["routes"][0];
        say(
            ctx,
            format!(
                "   step {} [{}] → {} ({})",
                st["step"]["id"].as_str().unwrap_or("?"),
                st["step"]["type"]
                    .as_str()
                    .or(st["step"]["step_type"].as_str())
                    .unwrap_or("?"),
                route["service"].as_str().unwrap_or("?"),
                route["reason"].as_str().unwrap_or("")
            ),
        );
        let id = st["step"]["id"].as_str().unwrap_or("?");
        for r in st["rejections"].as_array().into_iter().flatten() {
            let worker = r["worker"]
                .as_str()
                .and_then(|w| w.parse().ok())
                .map(|w| demo.role_of(w))
                .unwrap_or_default();
            super::dispute::print_verdict(
                demo,
                &format!("{id}: coordinator's verdict on {worker}"),
                &r["verdict"],
            );
            verdicts.push(VerdictSummary::from_json(id, &worker, &r["verdict"]));
            let task: Option<B256> = r["task_id"].as_str().and_then(|t| t.parse().ok());
            if let Some(v) = r["verdict_blob"]
                .as_str()
                .and_then(|v| v.parse::<B256>().ok())
            {
                serve_evidence(demo, v).await?;
            }
            if let (Some(d), Some(task)) = (super::dispute::dispute_id(&r["dispute_id"]), task) {
                say(
                    ctx,
                    format!(
                        "   ✗ rejected with the verdict as evidence (dispute {d}); the step was posted again without {worker}"
                    ),
                );
                disputes.push((d, task));
            }
        }
        for v in st["verdicts"].as_array().into_iter().flatten() {
            let source = v["worker"]
                .as_str()
                .and_then(|w| w.parse().ok())
                .map(|w| demo.role_of(w))
                .unwrap_or_else(|| v["source"].as_str().unwrap_or("?").to_owned());
            let source = source.as_str();
            super::dispute::print_verdict(
                demo,
                &format!("{id}: coordinator's verdict on {source}"),
                &v["verdict"],
            );
            verdicts.push(VerdictSummary::from_json(id, source, &v["verdict"]));
        }
    }
    if let Some(why) = report["synthesis"]["rejected_because"].as_str() {
        say(
            ctx,
            format!("   synthesis not used: {why}; the answer is the accepted step results"),
        );
    } else if report["synthesis"]["verdict"].is_object() {
        super::dispute::print_verdict(demo, "synthesis", &report["synthesis"]["verdict"]);
    }
    let sub_tasks = posted_since(demo, req, from).await?;
    for t in &sub_tasks {
        let what = if t.status == "Disputed" {
            "rejected with evidence: the jury rules below".to_owned()
        } else {
            format!(
                "received {}: payment + stake back",
                fmt_eth(t.worker_amount.unwrap_or_default())
            )
        };
        say(
            ctx,
            format!(
                "   task {} {} by {} ({what})",
                short(&format!("{:#x}", t.task_id)),
                t.status,
                t.worker.map(|w| demo.role_of(w)).unwrap_or_default(),
            ),
        );
    }
    say(
        ctx,
        format!(
            "   answer ({} chars, confidence {:.2} from the verdicts)",
            answer.len(),
            report["confidence"].as_f64().unwrap_or_default()
        ),
    );
    Ok(Asked {
        report,
        answer,
        sub_tasks,
        verdicts,
        disputes,
    })
}

/// Copies the coordinator's verdict blob `id` (its evidence on chain) to the devnet's blob
/// gateway: the coordinator's mesh node served it while `ask` ran, and the jurors read it
/// after `ask` exits. A long-running coordinator serves its evidence itself.
async fn serve_evidence(demo: &Demo<'_>, id: B256) -> Result<()> {
    let cid = aos_protocol::ContentId(id.0);
    let store = aos_mesh::BlobStore::open(demo.dir.join("coordinator/blobs"), 8 << 20)?;
    let bytes = store
        .get(&cid)
        .await?
        .ok_or_else(|| eyre::eyre!("the coordinator did not keep its verdict blob {cid}"))?;
    std::fs::write(demo.dir.join("blobs").join(cid.to_string()), bytes)?;
    Ok(())
}

/// The settings of the coordinator: the devnet's, with the requester's wallet.
fn coordinator_ctx(demo: &Demo<'_>, req: &Account) -> Ctx {
    let mut s = demo.ctx.s.clone();
    s.rpc = demo.net.rpc_url.clone();
    s.deployments = demo.net.deployments_path.clone();
    s.keystore = Some(req.keystore.clone());
    s.password_file = Some(demo.net.password_file.clone());
    s.private_key = None;
    s.indexer = demo.net.indexer_url.clone();
    s.bootstrap = demo.net.bootstrap.clone();
    s.model = demo.net.model.clone();
    s.data_dir = demo.dir.join("data/coordinator");
    Ctx {
        s,
        out: crate::output::Output {
            json: true,
            ..demo.ctx.out
        },
    }
}

/// Run `aos-coordinator ask` as the requester; its JSON report.
async fn ask(
    demo: &Demo<'_>,
    req: &Account,
    request: &str,
    file: &Path,
    plan: &Path,
) -> Result<Value> {
    let cctx = coordinator_ctx(demo, req);
    let ask = AskArgs::for_demo(request.trim(), file, plan, &demo.net.juror_domain);
    let mut cmd = coordinator_command(&cctx, &ask)?;
    let pb = demo.ctx.out.spinner(
        "coordinator: planning, posting sub-tasks; workers: claiming, running the model, submitting",
    );
    let out = tokio::task::spawn_blocking(move || {
        cmd.stdin(Stdio::null()).stderr(Stdio::inherit()).output()
    })
    .await?
    .wrap_err("cannot run aos-coordinator")?;
    pb.finish_and_clear();
    if !out.status.success() {
        bail!(
            "aos-coordinator ask failed ({}); the workers' logs are in {}",
            out.status,
            demo.dir.join("logs").display()
        );
    }
    serde_json::from_slice(&out.stdout).wrap_err("the coordinator's report is not JSON")
}

/// The tasks `req` posted from block `from` on, from the indexer; at least one.
pub(super) async fn posted_since(demo: &Demo<'_>, req: &Account, from: u64) -> Result<Vec<Task>> {
    demo.indexer_caught_up().await?;
    let sub_tasks: Vec<Task> = demo
        .indexer()?
        .tasks(&TasksQuery {
            requester: Some(req.address.to_string()),
            limit: Some(1000),
            ..TasksQuery::default()
        })
        .await?
        .tasks
        .into_iter()
        .filter(|t| t.posted_block >= from)
        .collect();
    if sub_tasks.is_empty() {
        bail!(
            "the coordinator posted no task on chain: every step stayed local (see the routes above)"
        );
    }
    Ok(sub_tasks)
}
