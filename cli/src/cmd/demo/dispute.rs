//! Phase 4: verified work meets a defector. The requester posts a checkable task (the
//! plan's timeline extraction, with its acceptance criteria) that asks for a skill only the
//! devnet's lazy defector claims to have; the defector takes it and submits invented text;
//! `aos task review --policy auto` evaluates it against the spec and rejects it with the
//! signed verdict as evidence. From there the demo only waits: the devnet's juror agents
//! (`aos juror run`, one per juror) draw the jury, each runs the same evaluator on the same
//! spec, result and evidence (every blob checked against its hash on chain), commits the
//! choice its verdict implies with the salt stored first, and reveals; once the appeal window
//! passes they advance the dispute, settle their seats and withdraw. The requester executes
//! the ruling and the parties withdraw. Every other dispute the run opened (results the
//! coordinator or the requester rejected earlier) goes through the same jury.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use alloy::primitives::{Address, B256, U256};
use aos_chain::{Phase, Ruling, SeatState, TaskStatus};
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
    /// The juror's reason: its agent's policy and verdict.
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
/// after the phase that opened them: the juror agents draw and vote on each (the demo waits
/// until every one has a ruling open to appeal, so moving time cannot close anyone's
/// period); then time moves past the appeal windows once, the agents advance and settle,
/// the requester executes each ruling and the parties withdraw.
pub(super) async fn judge_all(
    demo: &Demo<'_>,
    req: &Account,
    workers: &[Account],
    jurors: &[Account],
    disputes: Vec<(u64, B256, Option<Value>)>,
) -> Result<Vec<Disputed>> {
    let mut voted = Vec::new();
    for (d, task, verdict) in disputes {
        say(
            demo.ctx,
            format!("   dispute {d} (task {}):", short(&format!("{task:#x}"))),
        );
        wait_phase(
            demo,
            d,
            &[Phase::Appeal, Phase::Solved],
            "waiting for the juror agents to draw the jury, judge, commit and reveal",
        )
        .await?;
        let votes = votes_of(demo, req, jurors, d).await?;
        voted.push((d, task, verdict, votes));
    }
    // one warp past the last appeal window
    let mut until = 0u64;
    for (d, ..) in &voted {
        let x = demo.reader.dispute(*d).await?;
        if x.phase == Phase::Appeal as u8 {
            until = until.max(x.deadline.to::<u64>());
        }
    }
    let now = demo.reader.chain_time().await?;
    if until >= now {
        demo.aos(req, &["devnet", "warp", &format!("{}s", until - now + 1)])?;
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
        let ruling = rule(demo, d).await?;
        demo.aos(req, &["task", "execute-ruling", &tid])?;
        wait_settled(demo, d, &votes).await?;
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
        "   ✓ rulings executed; the juror agents settled their seats and withdrew; the parties withdrew",
    );
    Ok(out)
}

/// How long the juror agents may take for one step (the court's periods are 120 s on the
/// devnet: a jury that is not drawn and voting by then has failed).
const AGENTS_WITHIN: Duration = Duration::from_secs(150);

/// Waits until dispute `d` is in one of `phases`.
async fn wait_phase(demo: &Demo<'_>, d: u64, phases: &[Phase], what: &str) -> Result<()> {
    let pb = demo.ctx.out.spinner(format!("   {what}"));
    let until = Instant::now() + AGENTS_WITHIN;
    loop {
        let x = demo.reader.dispute(d).await?;
        if phases.iter().any(|p| *p as u8 == x.phase) {
            pb.finish_and_clear();
            return Ok(());
        }
        if Instant::now() > until {
            pb.finish_and_clear();
            bail!(
                "dispute {d} is still in phase {} after {} s: are the juror agents running? \
                 (`aos devnet status`, logs/juror-*.log)",
                Phase::name_of(x.phase),
                AGENTS_WITHIN.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The seated jurors' revealed votes (`aos dispute show`) and each one's reason from its own
/// juror store (`aos juror status` in that juror's data folder).
async fn votes_of(demo: &Demo<'_>, req: &Account, jurors: &[Account], d: u64) -> Result<Vec<Vote>> {
    let shown = demo.aos(req, &["dispute", "show", &d.to_string()])?;
    let round = shown["rounds"]
        .as_array()
        .and_then(|r| r.last())
        .ok_or_else(|| eyre!("dispute show printed no rounds: {shown}"))?;
    let mut votes = Vec::new();
    for seat in round["seats"].as_array().into_iter().flatten() {
        let j: Address = seat["juror"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| eyre!("dispute show printed a seat without a juror: {seat}"))?;
        let acct = jurors
            .iter()
            .find(|x| x.address == j)
            .ok_or_else(|| eyre!("juror {j} is not a devnet account"))?;
        let choice = seat["choice"]
            .as_u64()
            .and_then(|c| u8::try_from(c).ok())
            .ok_or_else(|| eyre!("juror {j} did not reveal a vote on dispute {d}: {seat}"))?;
        let status = demo.aos(acct, &["juror", "status"])?;
        let mine = status["votes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["dispute_id"].as_u64() == Some(d));
        let why = match mine {
            Some(v) => format!(
                "{} agent: verdict {}{}",
                v["source"].as_str().unwrap_or("?"),
                match v["verdict_pass"].as_bool() {
                    Some(true) => "pass",
                    Some(false) => "fail",
                    None => "?",
                },
                v["judge_ms"]
                    .as_u64()
                    .map_or(String::new(), |ms| format!(" in {ms} ms"))
            ),
            None => "voted outside its agent's store".into(),
        };
        say(
            demo.ctx,
            format!(
                "   {} ({why}) committed and revealed {}",
                demo.role_of(j),
                Ruling::describe(u64::from(choice))
            ),
        );
        votes.push(Vote {
            juror: acct.clone(),
            choice,
            why,
        });
    }
    Ok(votes)
}

/// Waits until the agents advanced dispute `d` to Solved with the ruling delivered; its
/// ruling.
async fn rule(demo: &Demo<'_>, d: u64) -> Result<u64> {
    wait_phase(
        demo,
        d,
        &[Phase::Solved],
        "appeal window over: waiting for a juror agent to advance the dispute",
    )
    .await?;
    let until = Instant::now() + AGENTS_WITHIN;
    let mut x = demo.reader.dispute(d).await?;
    while !x.delivered && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(300)).await;
        x = demo.reader.dispute(d).await?;
    }
    let ruling = u64::from(x.ruling);
    say(
        demo.ctx,
        format!(
            "   ✓ dispute {d}: appeal window over, ruling {}",
            Ruling::describe(ruling)
        ),
    );
    Ok(ruling)
}

/// Waits until every seated juror's seat of dispute `d` is settled (by its agent).
async fn wait_settled(demo: &Demo<'_>, d: u64, votes: &[Vote]) -> Result<()> {
    let round = u64::from(demo.reader.dispute(d).await?.round);
    let until = Instant::now() + AGENTS_WITHIN;
    for v in votes {
        loop {
            let s = demo.reader.seat(d, round, v.juror.address).await?;
            if s.state == SeatState::Settled as u8 {
                break;
            }
            if Instant::now() > until {
                bail!(
                    "{}'s seat in dispute {d} is not settled after {} s: is its juror agent \
                     running?",
                    demo.role_of(v.juror.address),
                    AGENTS_WITHIN.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    Ok(())
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
