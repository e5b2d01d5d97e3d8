//! `aos juror review <dispute id> [--commit]`: a juror's own evaluation of the disputed
//! result ([`crate::review`]: the same aos-verify evaluation as the requester's and the
//! worker's), the evidence the parties put on record (each verdict: who, pass, score,
//! whether its signature verifies, whether its checks agree with this evaluation), and the
//! choice the juror's verdict implies (ITaskMarket.RULING_CHOICES: 1 requester wins, 2 worker
//! wins). `--commit` votes that choice through `aos juror commit`'s code.

use alloy::primitives::{Address, B256};
use aos_protocol::{AgentId, messages::Verdict};
use clap::Args;
use eyre::{Result, WrapErr, bail};
use serde::Serialize;
use serde_json::json;

use crate::{
    blobs,
    court::{dispute_of, phase_name},
    ctx::Ctx,
    ids::parse_dispute_id,
    logs::ruling_name,
    output::table_with,
    review::{self, Agreement, EvalArgs, PartyEvidence, Signature, verdict_text},
};

/// `juror review` examples.
pub(crate) const EXAMPLES: &str = "\
Examples:
  aos juror review 1                         # the evidence, your verdict, the choice it implies
  aos juror review 1 --commit                # and commit that choice (then `aos juror reveal 1`)
  aos --json juror review 1 --agent-key juror.key";

/// `juror review` arguments.
#[derive(Debug, Args)]
pub(crate) struct JurorReviewArgs {
    /// Dispute id.
    #[arg(value_parser = parse_dispute_id)]
    dispute: u64,
    /// Commit the choice this review implies (you must hold a drawn seat in the commit phase);
    /// the salt is kept for `aos juror reveal` as with `aos juror commit`.
    #[arg(long)]
    commit: bool,
    #[command(flatten)]
    eval: EvalArgs,
}

/// A party's verdict as this review sees it.
#[derive(Debug, Serialize)]
struct VerdictSeen {
    /// Its evaluator (all zeros when unsigned).
    evaluator: AgentId,
    pass: bool,
    score_bps: u16,
    /// `valid`, `invalid: <why>` or `unsigned`.
    signature: String,
    /// Whether its evaluator is the party's agent in the AgentRegistry.
    evaluator_is_party_agent: bool,
    #[serde(flatten)]
    agreement: Agreement,
}

/// One piece of evidence as this review shows it.
#[derive(Debug, Serialize)]
struct EvidenceSeen {
    party: Address,
    role: &'static str,
    agent: Option<AgentId>,
    evidence: String,
    block_number: u64,
    tx_hash: Option<B256>,
    /// What the blob is ([`blobs::blob_kind`]), `None` when it cannot be read here.
    kind: Option<String>,
    /// Why it cannot be read here.
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<String>,
    /// The blob as a verdict, when it is one.
    verdict: Option<VerdictSeen>,
}

fn seen(e: PartyEvidence, mine: &Verdict) -> EvidenceSeen {
    let (kind, unreadable, verdict) = match &e.blob {
        Err(why) => (None, Some(why.clone()), None),
        Ok(bytes) => {
            let v = review::read_verdict(bytes).map(|pv| VerdictSeen {
                evaluator: pv.verdict.evaluator,
                pass: pv.verdict.pass,
                score_bps: pv.verdict.score_bps,
                signature: pv.signature.describe(),
                evaluator_is_party_agent: pv.signature == Signature::Valid
                    && e.agent == Some(pv.verdict.evaluator),
                agreement: review::compare(mine, &pv.verdict),
            });
            (Some(blobs::blob_kind(bytes)), None, v)
        }
    };
    EvidenceSeen {
        party: e.record.party,
        role: e.role.as_str(),
        agent: e.agent,
        evidence: e.record.evidence.to_string(),
        block_number: e.record.block_number,
        tx_hash: e.record.tx_hash,
        kind,
        unreadable,
        verdict,
    }
}

/// Who stands behind a party's verdict, for people.
fn voucher(v: &VerdictSeen) -> String {
    match v.signature.as_str() {
        "valid" if v.evaluator_is_party_agent => "signed by the party's agent".into(),
        "valid" => format!(
            "signed by agent {}, not the party's registered agent",
            v.evaluator
        ),
        "unsigned" => "unsigned (speaks for the account that put it on record)".into(),
        other => format!("signature {other}"),
    }
}

/// Run `aos juror review`.
pub(super) async fn run(ctx: &Ctx, a: JurorReviewArgs) -> Result<()> {
    let id = a.dispute;
    let c = ctx.reader().await?;
    let d = dispute_of(&c, id).await?;
    let task_id = c
        .task_of_dispute(id)
        .await
        .wrap_err("TaskMarket.taskOfDispute failed")?;
    if task_id == B256::ZERO {
        bail!(
            "dispute {id} is not about a task of this market (another arbitrable opened it): \
             there is no task result to review"
        );
    }
    let sources = a.eval.fetch.sources();
    let sub = review::load_submission(ctx, &c, task_id, &sources).await?;
    let ev = review::evaluator(ctx, &a.eval, &sub.spec).await?;
    let verdict = review::evaluate(&ev, &sub).await?;
    let choice = review::choice_for(&verdict);
    let evidence: Vec<EvidenceSeen> =
        review::evidence_of(ctx, &c, task_id, sub.params.requester, sub.worker, &sources)
            .await?
            .into_iter()
            .map(|e| seen(e, &verdict))
            .collect();
    let committed = if a.commit {
        Some(super::commit_vote(ctx, id, choice.as_u8()).await?)
    } else {
        None
    };
    let mut doc = json!({
        "dispute_id": id,
        "task_id": task_id,
        "phase": phase_name(d.phase),
        "round": d.round,
        "result_hash": sub.result_id.to_string(),
        "spec_hash": sub.spec_id.to_string(),
        "acceptance": sub.has_acceptance(),
        "verdict": verdict,
        "choice": choice.as_u8(),
        "choice_name": ruling_name(u64::from(choice.as_u8())),
        "evidence": evidence,
        "notes": sub.notes,
    });
    if let (Some(o), Some(cm)) = (doc.as_object_mut(), &committed) {
        o.insert("commit".into(), cm.clone());
    }
    ctx.out.emit(&doc, || {
        let mut out = format!(
            "dispute {id} (phase {}, round {}) about task {task_id:#x}\nresult {} by {}\n",
            phase_name(d.phase),
            d.round,
            sub.result_id,
            sub.worker
        );
        for n in &sub.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out.push_str("\nevidence from the parties\n");
        if evidence.is_empty() {
            out.push_str("none\n");
        } else {
            let mut t = table_with(&[
                "party",
                "blob",
                "verdict",
                "who stands behind it",
                "agrees with this review",
            ]);
            for e in &evidence {
                let party = format!("{} {}", e.role, e.party);
                let (said, who, agrees) = match (&e.verdict, &e.kind, &e.unreadable) {
                    (Some(v), _, _) => (
                        format!(
                            "{}, {} bps",
                            if v.pass { "pass" } else { "fail" },
                            v.score_bps
                        ),
                        voucher(v),
                        if v.agreement.agrees {
                            "yes".to_owned()
                        } else {
                            format!("no: {}", v.agreement.differences.join("; "))
                        },
                    ),
                    (None, Some(kind), _) => (
                        format!("not a verdict ({kind}): `aos blob get {}`", e.evidence),
                        "-".into(),
                        "-".into(),
                    ),
                    (None, None, why) => (
                        format!("not readable here: {}", why.as_deref().unwrap_or("unknown")),
                        "-".into(),
                        "-".into(),
                    ),
                };
                t.add_row(vec![party, e.evidence.clone(), said, who, agrees]);
            }
            out.push_str(&format!("{t}\n"));
        }
        out.push_str("\nthis review's verdict\n");
        out.push_str(&verdict_text(&verdict, sub.has_acceptance()));
        out.push_str(&format!(
            "\n\nchoice {} — the result {} its spec's acceptance criteria\n",
            ruling_name(u64::from(choice.as_u8())),
            if verdict.pass { "meets" } else { "fails" }
        ));
        match &committed {
            Some(cm) => out.push_str(&format!(
                "committed (salt kept in {}); reveal in the reveal phase: `aos juror reveal {id}`",
                cm["store"].as_str().unwrap_or_default()
            )),
            None => out.push_str(&format!(
                "to vote it: `aos juror review {id} --commit` (or `aos juror commit {id} --choice \
                 {}`)",
                choice.as_u8()
            )),
        }
        out
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen_verdict(signature: &str, party_agent: bool) -> VerdictSeen {
        VerdictSeen {
            evaluator: AgentId::from_bytes([3; 32]),
            pass: true,
            score_bps: 10_000,
            signature: signature.into(),
            evaluator_is_party_agent: party_agent,
            agreement: Agreement {
                agrees: true,
                differences: vec![],
            },
        }
    }

    #[test]
    fn who_stands_behind_a_verdict_is_said_plainly() {
        assert_eq!(
            voucher(&seen_verdict("valid", true)),
            "signed by the party's agent"
        );
        assert!(voucher(&seen_verdict("valid", false)).contains("not the party's registered"));
        assert!(voucher(&seen_verdict("unsigned", false)).contains("account that put it"));
        assert_eq!(
            voucher(&seen_verdict("invalid: bad signature", false)),
            "signature invalid: bad signature"
        );
    }

    #[test]
    fn the_evidence_json_carries_the_agreement_flat() {
        let v = serde_json::to_value(seen_verdict("valid", true)).unwrap();
        assert_eq!(v["agrees"], true);
        assert_eq!(v["differences"], json!([]));
        assert_eq!(v["signature"], "valid");
    }
}
