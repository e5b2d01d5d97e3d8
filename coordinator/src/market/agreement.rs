//! Redundant execution: the `k` tasks of one step, the agreement of their results and what
//! is done with each result. The rules are in the parent module's docs, *Agreement*.

use std::{cmp::Reverse, collections::BTreeMap, sync::Arc, time::Instant};

use alloy::primitives::{Address, B256};
use aos_chain::TaskStatus;
use aos_protocol::messages::{Agreement, CheckOutcome, Delegation};
use aos_verify::{AGREEMENT, Decision, Evaluator, ReviewPolicy, agreement_checks};

use super::{
    Accepted, Delivered, MarketDelegate, MarketError, POLL, Polled, Posted, Submission, Unanswered,
    Unsettled, release, reserve,
};

/// What is done with one result of a redundant step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Accept (pay the worker).
    Accept,
    /// Reject with the verdict as evidence.
    Reject,
    /// Neither: left for the requester's review.
    Leave,
}

/// One result with its final verdict and the action on it.
#[derive(Debug)]
struct Judged {
    sub: Submission,
    action: Action,
    /// Its outcome in the agreement, when it was compared.
    agreement: Option<CheckOutcome>,
}

/// The results of a redundant step judged together.
#[derive(Debug)]
struct Judgement {
    /// Every result, in posting order.
    judged: Vec<Judged>,
    /// Why the agreement named no majority, when it did not.
    inconclusive: Option<String>,
}

/// Judges the results `subs` (in posting order, each already evaluated on its own) of a
/// step redundant under `a`, and decides each by `policy` (parent module docs):
/// a worker's second result gets a failing [`AGREEMENT`] outcome; the first result of each
/// worker that passed its own checks is compared, and its verdict gains its
/// [`agreement_checks`] outcome; without a majority, a rejection becomes
/// [`Action::Leave`] for the compared results.
///
/// # Errors
/// [`MarketError::Evaluate`] when an amended verdict breaks the verdict's rules or cannot
/// be signed.
fn judge(
    ev: &Evaluator,
    subs: Vec<Submission>,
    a: &Agreement,
    policy: ReviewPolicy,
) -> Result<Judgement, MarketError> {
    let n = subs.len();
    // one result per worker: the first it delivered, in posting order
    let mut first_of: BTreeMap<Address, usize> = BTreeMap::new();
    let mut duplicate_of: Vec<Option<usize>> = vec![None; n];
    for (i, s) in subs.iter().enumerate() {
        match first_of.get(&s.worker) {
            Some(&j) => duplicate_of[i] = Some(j),
            None => {
                first_of.insert(s.worker, i);
            }
        }
    }
    let voters: Vec<usize> = (0..n)
        .filter(|&i| duplicate_of[i].is_none() && subs[i].verdict.pass)
        .collect();
    let ids: Vec<String> = voters
        .iter()
        .map(|&i| format!("{:#x}", subs[i].result_hash))
        .collect();
    let pairs: Vec<(&str, &str)> = voters
        .iter()
        .zip(&ids)
        .map(|(&i, id)| (id.as_str(), subs[i].output.as_str()))
        .collect();
    let outcomes = agreement_checks(&pairs, a);
    let majority = outcomes.iter().any(|o| o.pass);
    let inconclusive = match (majority, outcomes.first()) {
        (true, _) => None,
        (false, Some(o)) => Some(o.reason.clone()),
        (false, None) if n == 0 => Some(format!("none of the {} tasks was delivered", a.k)),
        (false, None) => Some(format!(
            "none of the {n} delivered results passed its own checks"
        )),
    };
    let mut extra: Vec<Option<CheckOutcome>> = vec![None; n];
    for (&i, o) in voters.iter().zip(outcomes) {
        extra[i] = Some(o);
    }
    for (i, dup) in duplicate_of.iter().enumerate() {
        if let Some(j) = *dup {
            extra[i] = Some(CheckOutcome::failed(
                AGREEMENT,
                format!(
                    "worker {:#x} already answered this step with result {:#x} (task {:#x}); agreement counts one result per worker",
                    subs[j].worker, subs[j].result_hash, subs[j].posted.task_id
                ),
            ));
        }
    }
    let judged = subs
        .into_iter()
        .zip(extra)
        .enumerate()
        .map(|(i, (mut sub, extra))| {
            if let Some(o) = &extra {
                let task_id = sub.posted.task_id;
                sub.verdict = ev.append(sub.verdict, [o.clone()]).map_err(|source| {
                    MarketError::Evaluate {
                        task_id,
                        source: Box::new(source),
                    }
                })?;
            }
            let voter = voters.contains(&i);
            let action = match policy.decide(&sub.verdict) {
                Decision::Accept => Action::Accept,
                Decision::Wait => Action::Leave,
                // an inconclusive agreement is evidence against nobody
                Decision::Reject if voter && !majority => Action::Leave,
                Decision::Reject => Action::Reject,
            };
            Ok(Judged {
                sub,
                action,
                agreement: if voter { extra } else { None },
            })
        })
        .collect::<Result<Vec<_>, MarketError>>()?;
    Ok(Judgement {
        judged,
        inconclusive,
    })
}

/// The step's answer among the accepted results (parent module docs): in the majority
/// first, then the highest agreement score, the highest verdict score, the lowest result
/// id. `None` when nothing was accepted.
fn representative(accepted: &[Judged]) -> Option<usize> {
    (0..accepted.len()).max_by_key(|&i| {
        let j = &accepted[i];
        let o = j.agreement.as_ref();
        (
            o.is_some_and(|o| o.pass),
            o.map_or(0, |o| o.score_bps),
            j.sub.verdict.score_bps,
            Reverse(j.sub.result_hash),
        )
    })
}

impl MarketDelegate {
    /// [`MarketDelegate::delegate`] for a step whose acceptance asks for agreement `a`:
    /// `k` tasks, their results judged together (parent module docs).
    pub(super) async fn delegate_redundant(
        &self,
        d: &Delegation,
        domain: &str,
        a: Agreement,
    ) -> Result<Delivered, MarketError> {
        a.validate().map_err(MarketError::Spec)?;
        let k = u64::from(a.k);
        let pay = self.settings.payment_wei;
        reserve(
            &self.escrowed_wei,
            pay.saturating_mul(u128::from(k)),
            self.settings.max_escrow_wei,
        )?;
        let (spec, bytes, spec_id) = match self.publish_spec(d, domain, Vec::new()).await {
            Ok(s) => s,
            Err(e) => {
                release(&self.escrowed_wei, pay.saturating_mul(u128::from(k)));
                return Err(e);
            }
        };
        let mut posted = Vec::new();
        for i in 0..k {
            match self.post(&bytes, spec_id, domain, i).await {
                Ok(p) => posted.push(p),
                Err(e) => {
                    // withdraw what was posted: a partial redundant step cannot agree
                    let mut refunded = u128::from(k) - posted.len() as u128;
                    for p in &posted {
                        match self.contracts.cancel(&p.params).await {
                            Ok(_) => refunded += 1,
                            Err(c) => {
                                tracing::warn!(task = %p.task_id, %c, "not cancelled; it can be expired later")
                            }
                        }
                    }
                    release(&self.escrowed_wei, pay.saturating_mul(refunded));
                    return Err(e);
                }
            }
        }
        tracing::info!(
            k,
            tasks = ?posted.iter().map(|p| p.task_id).collect::<Vec<_>>(),
            "redundant step posted"
        );
        let (delivered, mut unsettled) = self.await_redundant(posted).await?;
        let mut subs = Vec::new();
        for (posted, result_hash, worker) in delivered {
            let task_id = posted.task_id;
            match self.review(posted, result_hash, worker, &spec).await {
                Ok(s) => subs.push(s),
                Err(e) => {
                    tracing::warn!(task = %task_id, %e, "result not reviewed");
                    unsettled.push(Unsettled::Failed {
                        task_id,
                        worker,
                        error: Arc::new(e),
                    });
                }
            }
        }
        let Judgement {
            judged,
            inconclusive,
        } = judge(&self.evaluator, subs, &a, self.settings.review)?;
        let mut accepted: Vec<Judged> = Vec::new();
        let mut rejections = Vec::new();
        for j in judged {
            let (task_id, worker) = (j.sub.posted.task_id, j.sub.worker);
            let failed = |e: MarketError| {
                tracing::warn!(task = %task_id, %e, "result not settled");
                Unsettled::Failed {
                    task_id,
                    worker,
                    error: Arc::new(e),
                }
            };
            match j.action {
                Action::Accept => match self.contracts.accept(&j.sub.posted.params).await {
                    Ok(_) => accepted.push(j),
                    Err(e) => unsettled.push(failed(e.into())),
                },
                Action::Reject => match self.reject(j.sub).await {
                    Ok(r) => {
                        tracing::info!(task = %r.task_id, worker = %r.worker, dispute = %r.dispute_id, "redundant result rejected");
                        rejections.push(r);
                    }
                    Err(e) => unsettled.push(failed(e)),
                },
                Action::Leave => unsettled.push(Unsettled::LeftForReview {
                    task_id,
                    worker,
                    verdict: Box::new(j.sub.verdict),
                }),
            }
        }
        let Some(rep) = representative(&accepted) else {
            let reason = inconclusive.unwrap_or_else(|| {
                if unsettled
                    .iter()
                    .any(|u| matches!(u, Unsettled::LeftForReview { .. }))
                {
                    format!(
                        "the review policy {} leaves the results for review",
                        self.settings.review
                    )
                } else {
                    "no result could be accepted".to_owned()
                }
            });
            return Err(MarketError::NoAgreedAnswer(Box::new(Unanswered {
                reason,
                rejections,
                unsettled,
            })));
        };
        let rep = accepted.remove(rep);
        Ok(Delivered {
            output: rep.sub.output,
            params: rep.sub.posted.params,
            worker: rep.sub.worker,
            verdict: rep.sub.verdict,
            rejected: rejections,
            agreeing: accepted
                .into_iter()
                .map(|j| Accepted {
                    task_id: j.sub.posted.task_id,
                    worker: j.sub.worker,
                    result_hash: j.sub.result_hash,
                    verdict: j.sub.verdict,
                })
                .collect(),
            unsettled,
        })
    }

    /// Waits for the results of `posted` (parent module docs: until all are in,
    /// [`super::MarketSettings::wait`] passes, or the earliest review window is down to
    /// its last quarter): the delivered tasks with `(result hash, worker)`, and the others.
    async fn await_redundant(
        &self,
        posted: Vec<Posted>,
    ) -> Result<(Vec<(Posted, B256, Address)>, Vec<Unsettled>), MarketError> {
        let started = Instant::now();
        let n = posted.len();
        let mut done: Vec<Option<Polled>> = (0..n).map(|_| None).collect();
        let mut last = vec![TaskStatus::Open; n];
        // chain time (unix s) by which the delivered results must be acted on
        let mut act_by_s: Option<u64> = None;
        loop {
            for (i, p) in posted.iter().enumerate() {
                if done[i].is_some() {
                    continue;
                }
                match self.poll(p.task_id).await? {
                    Polled::Pending(s) => last[i] = s,
                    submitted @ Polled::Submitted {
                        review_deadline_s, ..
                    } => {
                        let by =
                            review_deadline_s.saturating_sub(u64::from(p.params.reviewWindow) / 4);
                        act_by_s = Some(act_by_s.map_or(by, |t| t.min(by)));
                        done[i] = Some(submitted);
                    }
                    ended @ Polled::Ended(_) => done[i] = Some(ended),
                }
            }
            if done.iter().all(Option::is_some) {
                break;
            }
            if started.elapsed() > self.settings.wait {
                tracing::warn!(waited = ?started.elapsed(), "not every redundant task was delivered");
                break;
            }
            if let Some(by) = act_by_s
                && self.contracts.chain_time().await? >= by
            {
                tracing::warn!(
                    "a result's review window is running out: judging the results delivered so far"
                );
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let mut delivered = Vec::new();
        let mut unsettled = Vec::new();
        for ((p, polled), status) in posted.into_iter().zip(done).zip(last) {
            match polled {
                Some(Polled::Submitted {
                    result_hash,
                    worker,
                    ..
                }) => delivered.push((p, result_hash, worker)),
                Some(Polled::Ended(status)) | Some(Polled::Pending(status)) => {
                    unsettled.push(Unsettled::NotDelivered {
                        task_id: p.task_id,
                        status,
                    })
                }
                None => unsettled.push(Unsettled::NotDelivered {
                    task_id: p.task_id,
                    status,
                }),
            }
        }
        Ok((delivered, unsettled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aos_chain::TaskParams;
    use aos_protocol::{
        AgentKey, ContentId, Message, SignedMessage,
        messages::{Acceptance, AgreementMeasure, Check, ResultBlob, TaskSpec, Timing},
    };

    fn agreement(k: u8) -> Agreement {
        Agreement {
            k,
            measure: AgreementMeasure::Exact,
            threshold_bps: 10_000,
        }
    }

    fn spec(k: u8) -> TaskSpec {
        TaskSpec::prompt(
            "step-1",
            "summarisation",
            AgentKey::from_secret_bytes(&[1; 32]).agent_id(),
            "Summarise the release notes.",
            600_000,
            10_000_000_000_000_000,
        )
        .with_acceptance(Acceptance {
            checks: vec![Check::Pattern {
                regex: "^echo: ".into(),
                required: true,
            }],
            agreement: Some(agreement(k)),
            ..Default::default()
        })
    }

    /// The evaluated result of task number `i` by `worker` with `output`.
    async fn sub(ev: &Evaluator, spec: &TaskSpec, i: u8, worker: u8, output: &str) -> Submission {
        let spec_hash = ContentId::of(&spec.to_json().unwrap()).to_string();
        let params = TaskParams::builder(Address::ZERO, 1_000)
            .with_salt(u64::from(i))
            .build();
        let task_id = aos_chain::task_id_of(&params);
        let result = ResultBlob {
            task_id: format!("{task_id:#x}"),
            spec_hash: spec_hash.clone(),
            worker: AgentKey::from_secret_bytes(&[worker; 32]).agent_id(),
            executor: "echo".into(),
            model: None,
            output: output.into(),
            timing: Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: None,
                output_tokens: None,
            },
        };
        let id = ContentId::of(&result.to_json().unwrap());
        let verdict = ev
            .evaluate(spec, &spec_hash, &id.to_string(), &result)
            .await
            .unwrap();
        Submission {
            posted: Posted { task_id, params },
            worker: Address::with_last_byte(worker),
            result_hash: B256::from(id.0),
            output: output.into(),
            verdict,
        }
    }

    fn actions(j: &Judgement) -> Vec<Action> {
        j.judged.iter().map(|j| j.action).collect()
    }

    fn evaluator() -> Evaluator {
        Evaluator::new(Some(AgentKey::from_secret_bytes(&[7; 32])))
    }

    /// Two agreeing results are accepted, the outlier rejected with an `agreement`
    /// outcome that names both other results; the verdicts stay valid and signed.
    #[tokio::test]
    async fn majority_accepted_outlier_rejected_with_the_others_ids() {
        let (ev, spec) = (evaluator(), spec(3));
        let subs = vec![
            sub(&ev, &spec, 0, 0xa, "echo: notes").await,
            sub(&ev, &spec, 1, 0xb, "echo: release").await,
            sub(&ev, &spec, 2, 0xc, "echo:   NOTES").await,
        ];
        let hashes: Vec<String> = subs
            .iter()
            .map(|s| format!("{:#x}", s.result_hash))
            .collect();
        let j = judge(&ev, subs, &agreement(3), ReviewPolicy::Auto).unwrap();
        assert_eq!(
            actions(&j),
            [Action::Accept, Action::Reject, Action::Accept]
        );
        assert!(j.inconclusive.is_none());
        let outlier = &j.judged[1].sub.verdict;
        outlier.validate().unwrap();
        outlier.verify_signature().unwrap();
        assert!(
            !outlier.pass && outlier.checks[0].pass,
            "its own check passed"
        );
        let o = outlier.checks.last().unwrap();
        assert_eq!(o.kind, AGREEMENT);
        assert!(
            o.reason.contains(&hashes[0]) && o.reason.contains(&hashes[2]),
            "{}",
            o.reason
        );
        assert!(j.judged[0].sub.verdict.pass && j.judged[2].sub.verdict.pass);
        // the representative: both majority members score 5 000; the lower result id wins
        let accepted: Vec<Judged> = j
            .judged
            .into_iter()
            .filter(|j| j.action == Action::Accept)
            .collect();
        let rep = representative(&accepted).unwrap();
        let lowest = accepted.iter().map(|j| j.sub.result_hash).min().unwrap();
        assert_eq!(accepted[rep].sub.result_hash, lowest);
    }

    /// A result that fails its own checks is rejected and not compared; a tie among the
    /// rest, or a lone passing result, blames nobody.
    #[tokio::test]
    async fn failing_checks_rejected_and_inconclusive_agreement_left() {
        let (ev, spec) = (evaluator(), spec(3));
        let subs = vec![
            sub(&ev, &spec, 0, 0xa, "echo: a").await,
            sub(&ev, &spec, 1, 0xb, "November 2023").await,
            sub(&ev, &spec, 2, 0xc, "echo: b").await,
        ];
        let j = judge(&ev, subs, &agreement(3), ReviewPolicy::Auto).unwrap();
        assert_eq!(actions(&j), [Action::Leave, Action::Reject, Action::Leave]);
        assert!(j.judged[1].agreement.is_none());
        assert_eq!(j.judged[1].sub.verdict.checks.len(), 1, "not compared");
        let why = j.inconclusive.unwrap();
        assert!(why.starts_with("no two of the 2 answers agree"), "{why}");
        // one passing result cannot agree with anything
        let subs = vec![sub(&ev, &spec, 0, 0xa, "echo: a").await];
        let j = judge(&ev, subs, &agreement(3), ReviewPolicy::Auto).unwrap();
        assert_eq!(actions(&j), [Action::Leave]);
        assert!(!j.judged[0].sub.verdict.pass);
        let j = judge(&ev, Vec::new(), &agreement(3), ReviewPolicy::Auto).unwrap();
        assert_eq!(j.inconclusive.unwrap(), "none of the 3 tasks was delivered");
    }

    /// A worker that delivered two of the tasks has one vote: its second result is
    /// rejected, and it cannot outvote the other worker by agreeing with itself.
    #[tokio::test]
    async fn one_vote_per_worker() {
        let (ev, spec) = (evaluator(), spec(3));
        let subs = vec![
            sub(&ev, &spec, 0, 0xa, "echo: same").await,
            sub(&ev, &spec, 1, 0xa, "echo: same").await,
            sub(&ev, &spec, 2, 0xb, "echo: other").await,
        ];
        let first = subs[0].result_hash;
        let j = judge(&ev, subs, &agreement(3), ReviewPolicy::Auto).unwrap();
        assert_eq!(actions(&j), [Action::Leave, Action::Reject, Action::Leave]);
        let dup = j.judged[1].sub.verdict.checks.last().unwrap();
        assert!(
            !dup.pass && dup.reason.contains(&format!("{first:#x}")),
            "{dup:?}"
        );
        assert!(j.inconclusive.is_some());
    }

    /// `ask` leaves every result; `accept-all` accepts outliers too.
    #[tokio::test]
    async fn the_policy_decides_each_verdict() {
        let (ev, spec) = (evaluator(), spec(3));
        let mk = || async {
            vec![
                sub(&ev, &spec, 0, 0xa, "echo: x").await,
                sub(&ev, &spec, 1, 0xb, "echo: x").await,
                sub(&ev, &spec, 2, 0xc, "echo: y").await,
            ]
        };
        let j = judge(&ev, mk().await, &agreement(3), ReviewPolicy::Ask).unwrap();
        assert_eq!(actions(&j), [Action::Leave; 3]);
        let j = judge(&ev, mk().await, &agreement(3), ReviewPolicy::AcceptAll).unwrap();
        assert_eq!(actions(&j), [Action::Accept; 3]);
        // the representative is still a majority member
        let rep = representative(&j.judged).unwrap();
        assert_ne!(rep, 2);
    }
}
