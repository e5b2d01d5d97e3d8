//! `aos task review <id>`: the requester evaluates the submitted result against the spec's
//! acceptance criteria ([`crate::review`]: the same aos-verify evaluation as the worker's
//! self-check and the coordinator), publishes the verdict as a blob, and acts on it by
//! policy (issue 13 "Requester side"): `auto` accepts a pass and rejects a failure within the
//! review window with the verdict as evidence; `ask` only prints, with the two commands to
//! run; `accept-all` accepts whatever the verdict says. Accepting and rejecting go through
//! the same code as `aos task accept` and `aos task reject`.

use alloy::primitives::B256;
use aos_protocol::messages::Verdict;
use aos_verify::{Decision, ReviewPolicy};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::{Value, json};

use super::{
    act::{self, Action},
    evidence::{self, EvidenceArg},
};
use crate::{
    ctx::Ctx,
    ids::parse_b256,
    review::{self, EvalArgs, verdict_text},
    units::fmt_deadline,
};

/// `task review` examples.
pub(crate) const EXAMPLES: &str = "\
Examples:
  aos task review 0x3f9c…9a                    # the verdict, and the command to run next
  aos task review 0x3f9c…9a --policy auto      # pass → accept; fail → reject with the verdict
  aos --json task review 0x3f9c…9a --agent-key me.key   # a verdict signed by your agent
  aos task review 0x3f9c…9a --judge-model models/SmolLM2-135M-Instruct.Q4_1.gguf  # a rubric";

/// What the requester does with the verdict.
/// `task review` arguments.
#[derive(Debug, Args)]
pub(crate) struct ReviewCmdArgs {
    /// Task id (0x + 64 hex digits); the task must be Submitted.
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// What to do with the verdict: `auto` (pass → accept, the worker is paid; fail →
    /// reject within the review window with the verdict as evidence, paying the court's
    /// arbitration cost), `ask` (print the verdict and the commands to accept or reject;
    /// send nothing), `accept-all` (accept whatever the verdict says).
    #[arg(long, default_value = "ask", value_name = "POLICY")]
    policy: ReviewPolicy,
    #[command(flatten)]
    review: EvalArgs,
}

/// What the review does, from the policy, the verdict and the review window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Accept,
    Reject,
    /// Print the commands (policy ask).
    Suggest,
    /// A failure under `auto` after the review window: it can no longer be rejected.
    WindowPassed,
}

fn plan(policy: ReviewPolicy, verdict: &Verdict, window_open: bool) -> Step {
    match policy.decide(verdict) {
        Decision::Wait => Step::Suggest,
        Decision::Accept => Step::Accept,
        Decision::Reject if window_open => Step::Reject,
        Decision::Reject => Step::WindowPassed,
    }
}

/// Run `aos task review`.
pub(crate) async fn run(ctx: &Ctx, a: ReviewCmdArgs) -> Result<()> {
    let id = a.id;
    let c = ctx.reader().await?;
    let state = c
        .task_state(id)
        .await
        .wrap_err("cannot read the task's state")?;
    let status = aos_chain::status_of(&state)?;
    review::require_submitted(id, status)?;
    let sub = review::load_submission(ctx, &c, id, &a.review.fetch.sources()).await?;
    if a.policy != ReviewPolicy::Ask {
        // before the evaluation, which may run a model: only the requester may settle
        let me = ctx
            .signer()
            .wrap_err(
                "--policy auto and accept-all settle the task with the requester's account \
                 (--policy ask only prints)",
            )?
            .address();
        if me != sub.params.requester {
            bail!(
                "only the requester {} can accept or reject task {id:#x}; this account is {me}: \
                 sign as the requester, or use --policy ask",
                sub.params.requester
            );
        }
    }
    let ev = review::evaluator(ctx, &a.review, &sub.spec).await?;
    let verdict = review::evaluate(&ev, &sub).await?;
    let (bytes, verdict_id) = verdict
        .to_blob()
        .map_err(|e| eyre!("cannot encode the verdict: {e}"))?;
    // published whatever the policy, so the id printed (and put on chain) can be fetched
    evidence::publish(
        ctx,
        &bytes,
        &format!(
            "`aos blob get {verdict_id} --out verdict.json`, then `aos --blob-dir DIR blob put \
             verdict.json`"
        ),
    )
    .await?;
    let now = c.chain_time().await?;
    let deadline: u64 = state.deadline.to();
    // the reject lands in a later block, whose timestamp is past `now`
    let window_open = now < deadline;
    let step = plan(a.policy, &verdict, window_open);

    let (action, sent) = match step {
        Step::Accept => (
            "accepted",
            Some(act::perform(ctx, id, Action::Accept).await?),
        ),
        Step::Reject => (
            "rejected",
            Some(act::perform(ctx, id, Action::Reject(EvidenceArg::Id(verdict_id))).await?),
        ),
        Step::Suggest | Step::WindowPassed => ("none", None),
    };
    let field = |k: &str| sent.as_ref().map_or(Value::Null, |d| d[k].clone());
    let status_now = sent
        .as_ref()
        .and_then(|d| d["status"].as_str().map(str::to_owned))
        .unwrap_or_else(|| status.to_string());
    let accept_cmd = format!("aos task accept {id:#x}");
    let reject_cmd = format!("aos task reject {id:#x} --evidence {verdict_id}");
    let mut doc = json!({
        "task_id": id,
        "result_hash": sub.result_id.to_string(),
        "spec_hash": sub.spec_id.to_string(),
        "worker": sub.worker,
        "acceptance": sub.has_acceptance(),
        "verdict": verdict,
        "verdict_blob": verdict_id.to_string(),
        "policy": a.policy.as_str(),
        "action": action,
        "status": status_now,
        "review_deadline": deadline,
        "review_window_open": window_open,
        "notes": sub.notes,
    });
    if let Some(o) = doc.as_object_mut() {
        if step == Step::Reject {
            o.insert("dispute_id".into(), field("dispute_id"));
        }
        if sent.is_some() {
            o.insert("tx".into(), field("tx"));
        }
        if step == Step::Suggest {
            o.insert("next".into(), json!([accept_cmd, reject_cmd]));
        }
    }
    ctx.out.emit(&doc, || {
        let mut out = format!(
            "task {id:#x}\nresult {} by {} (from {})\n",
            sub.result_id, sub.worker, sub.sources.1
        );
        for n in &sub.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out.push_str(&verdict_text(&verdict, sub.has_acceptance()));
        out.push_str(&format!("\nverdict blob {verdict_id}\n"));
        let window = if window_open {
            format!("the review window closes {}", fmt_deadline(deadline, now))
        } else {
            format!(
                "the review window closed {}: the result can no longer be rejected; anyone may \
                 `aos task finalize {id:#x}`, which pays the worker",
                fmt_deadline(deadline, now)
            )
        };
        out.push_str(&match step {
            Step::Accept if verdict.pass => {
                format!("accepted: task {id:#x} is now {status_now}; the worker is paid")
            }
            Step::Accept => format!(
                "accepted although the verdict fails (--policy accept-all): task {id:#x} is now \
                 {status_now}; the worker is paid"
            ),
            Step::Reject => format!(
                "rejected with the verdict as evidence: dispute {} opened (`aos dispute draw {}` \
                 seats the jury); task {id:#x} is now {status_now}",
                field("dispute_id").as_str().unwrap_or("?"),
                field("dispute_id").as_str().unwrap_or("<id>"),
            ),
            Step::WindowPassed => format!("the verdict fails, but {window}"),
            Step::Suggest if !window_open => {
                format!("nothing sent (--policy ask); {window}; to pay now: `{accept_cmd}`")
            }
            Step::Suggest => {
                let (first, second) = if verdict.pass {
                    (
                        format!("to pay the worker: `{accept_cmd}`"),
                        format!("to dispute anyway: `{reject_cmd}`"),
                    )
                } else {
                    (
                        format!("to dispute, paying the court's arbitration cost: `{reject_cmd}`"),
                        format!("to pay the worker anyway: `{accept_cmd}`"),
                    )
                };
                format!("nothing sent (--policy ask); {window}\n{first}\n{second}")
            }
        });
        out
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_and_the_verdict_decide_the_step() {
        use ReviewPolicy::*;
        let v = |pass: bool| Verdict {
            task_id: "t".into(),
            spec_hash: format!("0x{}", "11".repeat(32)),
            result_hash: format!("0x{}", "22".repeat(32)),
            evaluator: aos_protocol::AgentId::from_bytes([1; 32]),
            pass,
            score_bps: 0,
            checks: vec![],
            judge: None,
            signature: None,
        };
        for window_open in [true, false] {
            assert_eq!(plan(Ask, &v(true), window_open), Step::Suggest);
            assert_eq!(plan(Ask, &v(false), window_open), Step::Suggest);
            assert_eq!(plan(AcceptAll, &v(false), window_open), Step::Accept);
            assert_eq!(plan(AcceptAll, &v(true), window_open), Step::Accept);
            assert_eq!(plan(Auto, &v(true), window_open), Step::Accept);
        }
        assert_eq!(plan(Auto, &v(false), true), Step::Reject);
        assert_eq!(plan(Auto, &v(false), false), Step::WindowPassed);
    }
}
