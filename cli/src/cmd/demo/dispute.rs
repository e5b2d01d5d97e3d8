//! Phase 4: verified work meets a defector. The requester posts a checkable task (the
//! plan's timeline extraction, with its acceptance criteria) that asks for a skill only the
//! devnet's lazy defector claims to have; the defector takes it and submits invented text;
//! `aos task review --policy auto` evaluates it against the spec and rejects it with the
//! signed verdict as evidence. A jury is drawn; each juror runs `aos juror review` (the
//! same evaluator on the same spec, result and evidence, the result blob fetched over the
//! mesh against the hash on chain) and commits the choice its verdict implies; all reveal;
//! the ruling executes; stakes and fees move and everyone withdraws. Every other dispute
//! the run opened (results the coordinator or the requester rejected earlier) goes through
//! the same jury.

use std::path::Path;

use alloy::primitives::{Address, B256, U256};
use aos_chain::{Ruling, TaskStatus};
use eyre::{Result, bail, eyre};
use serde_json::Value;

use super::scene::{Demo, say, short};
use crate::devnet_file::Account;

/// The skill only the devnet's defector claims (`DEFECTOR_SKILLS`); honest workers refuse
/// a task that requires it.
const DEFECTOR_ONLY_SKILL: &str = "timeline_extraction";

/// One juror's vote and why.
pub(super) struct Vote {
    /// The juror.
    pub(super) juror: Account,
    /// 1 requester wins, 2 worker wins.
    pub(super) choice: u8,
    /// The juror's reason: its verdict.
    pub(super) why: String,
}

/// A dispute and how it ended.
pub(super) struct Disputed {
    /// The dispute id.
    pub(super) dispute_id: u64,
    /// The task id.
    pub(super) task_id: String,
    /// The worker that submitted.
    pub(super) worker: Address,
    /// The result hash it submitted.
    pub(super) result_hash: B256,
    /// The requester's verdict (JSON), when this phase reviewed it.
    pub(super) verdict: Option<Value>,
    /// The jurors' votes.
    pub(super) votes: Vec<Vote>,
    /// The ruling (0 refused, 1 requester wins, 2 worker wins).
    pub(super) ruling: u64,
    /// The task's status at the end.
    pub(super) task_status: TaskStatus,
}

/// A task waiting for the requester's review.
struct Submitted {
    tid: String,
    id: B256,
}

/// Run the phase as `req`, with the devnet's `workers` (honest and defectors) and
/// `jurors`: the defector's task, its review and its dispute.
pub(super) async fn run(
    demo: &Demo<'_>,
    req: &Account,
    workers: &[Account],
    jurors: &[Account],
    file: &Path,
    plan: &Path,
) -> Result<Disputed> {
    say(
        demo.ctx,
        "== 4. a lazy defector: its result fails the checks, is rejected with evidence, the jury rules",
    );
    let t = post_and_wait(demo, req, file, plan).await?;
    let (verdict, dispute_id) = review_and_reject(demo, req, &t.tid)?;
    let mut ruled = judge_all(
        demo,
        req,
        workers,
        jurors,
        vec![(dispute_id, t.id, Some(verdict))],
    )
    .await?;
    Ok(ruled.remove(0))
}

/// The jury for `disputes` (dispute id, task id, the requester's verdict when known), right
/// after the phase that opened them (the court's draw period is 120 s on the devnet): every
/// dispute is drawn and voted on before time moves (warping past one appeal window would
/// close the others' periods); then each is ruled, executed and settled, and the parties
/// withdraw.
pub(super) async fn judge_all(
    demo: &Demo<'_>,
    req: &Account,
    workers: &[Account],
    jurors: &[Account],
    disputes: Vec<(u64, B256, Option<Value>)>,
) -> Result<Vec<Disputed>> {
    let spare = jurors
        .first()
        .ok_or_else(|| eyre!("the devnet has no jurors"))?;
    let mut voted = Vec::new();
    for (d, task, verdict) in disputes {
        say(
            demo.ctx,
            format!("   dispute {d} (task {}):", short(&format!("{task:#x}"))),
        );
        let seated = draw(demo, spare, d)?;
        let votes = vote(demo, jurors, &seated, d)?;
        voted.push((d, task, verdict, votes));
    }
    let mut out = Vec::new();
    for (d, task, verdict, votes) in voted {
        let tid = format!("{task:#x}");
        let state = demo.reader.task_state(task).await?;
        let result_hash = demo
            .reader
            .last_submission(task)
            .await?
            .map(|(h, _)| h)
            .ok_or_else(|| eyre!("disputed task {tid} has no TaskSubmitted event"))?;
        let ruling = rule(demo, spare, d).await?;
        settle(demo, spare, &votes, &tid, d)?;
        withdraw_parties(demo, workers, req, state.worker).await?;
        out.push(Disputed {
            dispute_id: d,
            task_id: tid,
            worker: state.worker,
            result_hash,
            verdict,
            votes,
            ruling,
            task_status: demo.reader.task_status(task).await?,
        });
    }
    say(
        demo.ctx,
        "   ✓ rulings executed, seats settled; jurors and parties withdrew",
    );
    Ok(out)
}

/// Post the plan's first step with acceptance criteria (the timeline extraction) as a task
/// only the defector takes (`aos task post`), and wait for its result.
async fn post_and_wait(
    demo: &Demo<'_>,
    req: &Account,
    file: &Path,
    plan: &Path,
) -> Result<Submitted> {
    let steps = demo.checked_steps(plan)?;
    let step = &steps[0];
    let spec = demo.spec_file(
        "timeline",
        &format!("{}\n\n{}", step.description, std::fs::read_to_string(file)?),
        step.acceptance.clone(),
        &[DEFECTOR_ONLY_SKILL],
    )?;
    let posted = demo.aos(
        req,
        &[
            "task",
            "post",
            "--payment",
            "0.01eth",
            "--domain",
            &demo.net.juror_domain,
            "--spec",
            &spec.display().to_string(),
        ],
    )?;
    let tid = posted["task_id"]
        .as_str()
        .ok_or_else(|| eyre!("task post printed no task_id"))?
        .to_owned();
    let id: B256 = tid.parse()?;
    say(
        demo.ctx,
        format!(
            "   ✓ requester posted task {} with the plan's {} acceptance criteria, asking for skill {DEFECTOR_ONLY_SKILL:?} (only the defector claims it)",
            short(&tid),
            step.id
        ),
    );
    demo.wait_status(
        id,
        &[TaskStatus::Submitted],
        "waiting for a worker to claim, run and submit",
    )
    .await?;
    let worker = demo.reader.task_state(id).await?.worker;
    say(
        demo.ctx,
        format!(
            "   ✓ {} claimed it and submitted a result",
            demo.role_of(worker)
        ),
    );
    Ok(Submitted { tid, id })
}

/// `aos task review --policy auto` as the requester: evaluates the result against the spec;
/// the verdict and the dispute id its rejection opened.
fn review_and_reject(demo: &Demo<'_>, req: &Account, tid: &str) -> Result<(Value, u64)> {
    let r = demo.aos(req, &["task", "review", tid, "--policy", "auto"])?;
    print_verdict(demo, "requester's verdict", &r["verdict"]);
    if r["action"].as_str() != Some("rejected") {
        bail!(
            "the requester's review did not reject the defector's result (action {}): {}",
            r["action"],
            r["verdict"]
        );
    }
    let dispute = dispute_id(&r["dispute_id"])
        .ok_or_else(|| eyre!("task review printed no dispute_id: {r}"))?;
    say(
        demo.ctx,
        format!(
            "   ✓ rejected with the verdict {} as evidence (arbitration fee paid): dispute {dispute}",
            short(r["verdict_blob"].as_str().unwrap_or("?"))
        ),
    );
    Ok((r["verdict"].clone(), dispute))
}

/// A dispute id printed as a JSON number, a decimal string or a `0x` hex string (alloy's
/// `U256`).
pub(super) fn dispute_id(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        let s = v.as_str()?;
        match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        }
    })
}

/// Prints a verdict's checks, one line each.
pub(super) fn print_verdict(demo: &Demo<'_>, who: &str, v: &Value) {
    say(
        demo.ctx,
        format!(
            "   {who}: {} (score {} bps)",
            if v["pass"].as_bool() == Some(true) {
                "pass"
            } else {
                "FAIL"
            },
            v["score_bps"]
        ),
    );
    for c in v["checks"].as_array().into_iter().flatten() {
        say(
            demo.ctx,
            format!(
                "     {} {}: {}",
                if c["pass"].as_bool() == Some(true) {
                    "✓"
                } else {
                    "✗"
                },
                c["kind"].as_str().unwrap_or("?"),
                c["reason"].as_str().unwrap_or("")
            ),
        );
    }
}

/// `aos dispute draw` as `spare`: the seated jurors.
fn draw(demo: &Demo<'_>, spare: &Account, dispute: u64) -> Result<Vec<Address>> {
    let drawn = demo.aos(spare, &["dispute", "draw", &dispute.to_string()])?;
    let seated: Vec<Address> = drawn["drawn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j.as_str()?.parse().ok())
        .collect();
    say(
        demo.ctx,
        format!(
            "   ✓ jury drawn: {}",
            seated
                .iter()
                .map(|j| demo.role_of(*j))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    Ok(seated)
}

/// Each seated juror runs `aos juror review` (the evaluator on the spec, the result and the
/// parties' evidence) and commits the choice its verdict implies; then all reveal.
fn vote(
    demo: &Demo<'_>,
    jurors: &[Account],
    seated: &[Address],
    dispute: u64,
) -> Result<Vec<Vote>> {
    let mut votes = Vec::new();
    let id = dispute.to_string();
    for j in seated {
        let acct = jurors
            .iter()
            .find(|x| x.address == *j)
            .ok_or_else(|| eyre!("juror {j} is not a devnet account"))?;
        let r = demo.aos(acct, &["juror", "review", &id])?;
        let choice = r["choice"]
            .as_u64()
            .and_then(|c| u8::try_from(c).ok())
            .ok_or_else(|| eyre!("juror review printed no choice: {r}"))?;
        let v = &r["verdict"];
        let failed: Vec<&str> = v["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["pass"].as_bool() != Some(true))
            .filter_map(|c| c["kind"].as_str())
            .collect();
        let evidence = r["evidence"].as_array().map(Vec::len).unwrap_or_default();
        let why = format!(
            "verdict {} ({} bps{}); {evidence} evidence blob(s) read",
            if v["pass"].as_bool() == Some(true) {
                "pass"
            } else {
                "fail"
            },
            v["score_bps"],
            if failed.is_empty() {
                String::new()
            } else {
                format!(", failed: {}", failed.join(", "))
            }
        );
        say(
            demo.ctx,
            format!(
                "   {} reviews the spec, the result and the evidence: {why} → votes {choice}",
                demo.role_of(*j)
            ),
        );
        demo.aos(
            acct,
            &["juror", "commit", &id, "--choice", &choice.to_string()],
        )?;
        votes.push(Vote {
            juror: acct.clone(),
            choice,
            why,
        });
    }
    say(demo.ctx, "   ✓ every juror committed");
    for v in &votes {
        demo.aos(&v.juror, &["juror", "reveal", &id])?;
    }
    say(demo.ctx, "   ✓ every juror revealed");
    Ok(votes)
}

/// Warp past the appeal window and advance the dispute: its ruling.
async fn rule(demo: &Demo<'_>, spare: &Account, dispute: u64) -> Result<u64> {
    let d = demo.reader.dispute(dispute).await?;
    let now = demo.reader.chain_time().await?;
    let deadline: u64 = d.deadline.to::<u64>();
    let by = format!("{}s", deadline.saturating_sub(now) + 1);
    demo.aos(spare, &["devnet", "warp", &by])?;
    let adv = demo.aos(spare, &["dispute", "advance", &dispute.to_string()])?;
    let ruling = adv["ruling"].as_u64().unwrap_or_default();
    let meaning = match u8::try_from(ruling).ok().and_then(Ruling::from_u8) {
        Some(Ruling::ForRequester) => "requester wins",
        Some(Ruling::ForWorker) => "worker wins",
        _ => "refused",
    };
    say(
        demo.ctx,
        format!("   ✓ dispute {dispute}: appeal window over, ruling {ruling} ({meaning})"),
    );
    Ok(ruling)
}

/// Execute the ruling on the task, settle the seats, and let the jurors withdraw.
fn settle(demo: &Demo<'_>, spare: &Account, votes: &[Vote], tid: &str, dispute: u64) -> Result<()> {
    demo.aos(spare, &["task", "execute-ruling", tid])?;
    demo.aos(spare, &["dispute", "settle", &dispute.to_string()])?;
    for v in votes {
        demo.aos(&v.juror, &["juror", "withdraw"])?;
    }
    Ok(())
}

/// The parties withdraw what the ruling gave them (payment and stake, or the refund).
async fn withdraw_parties(
    demo: &Demo<'_>,
    workers: &[Account],
    req: &Account,
    worker: Address,
) -> Result<()> {
    for party in workers
        .iter()
        .filter(|x| x.address == worker)
        .chain(std::iter::once(req))
    {
        if demo
            .reader
            .market_balance(party.address, Address::ZERO)
            .await?
            > U256::ZERO
        {
            demo.aos(party, &["worker", "withdraw"])?;
        }
    }
    Ok(())
}
