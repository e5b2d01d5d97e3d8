//! The closing summary: one typed document (`--json` prints it as it is) and its human
//! form (the answer, then tables of balances, karma and gas).

use std::{collections::BTreeMap, path::PathBuf};

use alloy::primitives::{Address, B256, U256};
use aos_indexer_api::{Dispute, Task};
use serde::Serialize;
use serde_json::Value;

use super::{
    balances::{Balance, KarmaPoint, KarmaRow},
    gas::GasRow,
};
use crate::{output::table_with, units::fmt_eth};

/// What the demo did, in one document.
#[derive(Debug, Serialize)]
pub(super) struct Summary {
    /// The coordinator's answer.
    pub(super) answer: String,
    /// Its confidence, from the verdicts.
    pub(super) confidence: f64,
    /// Every verdict of the run: the coordinator's on each step answer, the requester's
    /// on the cast-posted task and on the defector's result.
    pub(super) verdicts: Vec<VerdictSummary>,
    /// The coordinator's plan, as its report has it.
    pub(super) plan: Value,
    /// Steps in the plan.
    pub(super) steps: usize,
    /// The tasks the coordinator posted, as the indexer has them.
    pub(super) sub_tasks: Vec<Task>,
    /// The task posted by `cast send`.
    pub(super) cast_task: CastSummary,
    /// The defector's disputed task.
    pub(super) dispute: DisputeSummary,
    /// The other disputes of the run (results the coordinator or the requester rejected).
    pub(super) other_disputes: Vec<DisputeSummary>,
    /// Counts from the indexer's API.
    pub(super) indexer: IndexerSummary,
    /// ETH balances before and after.
    pub(super) balances: Vec<Balance>,
    /// Karma before and after.
    pub(super) karma: Vec<KarmaRow>,
    /// Gas per phase and step.
    pub(super) gas: Vec<GasRow>,
    /// Wall time of the whole demo, seconds.
    pub(super) seconds: u64,
    /// `<dir>/devnet.json`.
    pub(super) devnet: PathBuf,
}

/// The cast-posted task.
#[derive(Debug, Serialize)]
pub(super) struct CastSummary {
    /// Its id.
    pub(super) task_id: B256,
    /// Its worker.
    pub(super) worker: Address,
    /// Its status at the end (`Accepted`).
    pub(super) status: String,
}

/// The disputed task and its ruling.
#[derive(Debug, Serialize)]
pub(super) struct DisputeSummary {
    /// Dispute id.
    pub(super) dispute_id: u64,
    /// Task id.
    pub(super) task_id: String,
    /// The worker.
    pub(super) worker: Address,
    /// The result hash it submitted.
    pub(super) result_hash: B256,
    /// The requester's verdict, when the dispute phase reviewed it.
    pub(super) verdict: Option<Value>,
    /// The jurors' votes.
    pub(super) votes: Vec<VoteSummary>,
    /// 0 refused, 1 requester wins, 2 worker wins.
    pub(super) ruling: u64,
    /// The task's status at the end.
    pub(super) task_status: String,
    /// The dispute as the indexer has it.
    pub(super) indexer: Dispute,
}

/// One verdict, for the summary table.
#[derive(Debug, Serialize)]
pub(super) struct VerdictSummary {
    /// What was judged: `s1`, `cast task`, `defector task`.
    pub(super) subject: String,
    /// Who answered (registry service or devnet role).
    pub(super) source: String,
    /// Pass or fail.
    pub(super) pass: bool,
    /// Score, bps.
    pub(super) score_bps: u64,
    /// The failing checks' kinds and reasons.
    pub(super) failed: Vec<String>,
}

impl VerdictSummary {
    /// From a verdict's JSON.
    pub(super) fn from_json(subject: &str, source: &str, v: &Value) -> Self {
        Self {
            subject: subject.to_owned(),
            source: source.to_owned(),
            pass: v["pass"].as_bool().unwrap_or(false),
            score_bps: v["score_bps"].as_u64().unwrap_or_default(),
            failed: v["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["pass"].as_bool() != Some(true))
                .map(|c| {
                    let reason = c["reason"].as_str().unwrap_or("");
                    // the table stays readable; the JSON summary has the whole verdicts
                    let short: String = reason.chars().take(96).collect();
                    let more = if short.len() < reason.len() {
                        "…"
                    } else {
                        ""
                    };
                    format!("{}: {short}{more}", c["kind"].as_str().unwrap_or("?"))
                })
                .collect(),
        }
    }
}

/// One juror's vote.
#[derive(Debug, Serialize)]
pub(super) struct VoteSummary {
    /// The juror.
    pub(super) juror: Address,
    /// Its choice.
    pub(super) choice: u8,
    /// Why.
    pub(super) why: String,
}

/// Counts from the indexer's API.
#[derive(Debug, Serialize)]
pub(super) struct IndexerSummary {
    /// `GET /tasks`: tasks in all.
    pub(super) tasks: usize,
    /// Tasks per status name.
    pub(super) by_status: BTreeMap<String, u64>,
    /// `GET /disputes`: disputes in all.
    pub(super) disputes: usize,
}

/// `+x` / `-x` ETH from `before` to `after`.
fn eth_delta(before: U256, after: U256) -> String {
    if after >= before {
        format!("+{}", fmt_eth(after - before))
    } else {
        format!("-{}", fmt_eth(before - after))
    }
}

/// `accuracy / completion / tasks`.
fn karma_cell(k: &KarmaPoint) -> String {
    format!("{:.3} / {:.3} / {}", k.accuracy, k.completion, k.tasks)
}

impl Summary {
    /// The summary for people.
    pub(super) fn human(&self) -> String {
        let mut out = String::from("\n== summary\n\nanswer:\n");
        out += self.answer.trim();
        out += &format!("\n\nconfidence {:.2} (from the verdicts)", self.confidence);
        out += "\n\nverdicts (aos-verify, the same evaluator for requester, worker and jurors):\n";
        out += &self.verdicts_table();
        out += "\n\nbalances (ETH: wallet + credit in the market; gas included):\n";
        out += &self.balances_table();
        out += "\n\nkarma (indexer /agents, decayed; accuracy / completion / tasks):\n";
        out += &self.karma_table();
        out += "\n\ngas used per step:\n";
        out += &self.gas_table();
        for d in std::iter::once(&self.dispute).chain(&self.other_disputes) {
            out += &format!(
                "\n\ndispute {}: ruling {}, task {}",
                d.dispute_id, d.ruling, d.task_status
            );
        }
        out += &format!(
            "\n{} tasks in the indexer; {} s in all",
            self.indexer.tasks, self.seconds
        );
        out
    }

    fn verdicts_table(&self) -> String {
        let mut t = table_with(&[
            "subject",
            "answered by",
            "verdict",
            "score",
            "failed checks",
        ]);
        for v in &self.verdicts {
            t.add_row(vec![
                v.subject.clone(),
                v.source.clone(),
                if v.pass { "pass" } else { "FAIL" }.into(),
                format!("{} bps", v.score_bps),
                v.failed.join("\n"),
            ]);
        }
        t.to_string()
    }

    fn balances_table(&self) -> String {
        let mut t = table_with(&["participant", "address", "before", "after", "delta"]);
        for b in &self.balances {
            let before: U256 = b.before_wei.parse().unwrap_or_default();
            let after: U256 = b.after_wei.parse().unwrap_or_default();
            t.add_row(vec![
                b.role.clone(),
                b.address.to_string(),
                fmt_eth(before),
                fmt_eth(after),
                eth_delta(before, after),
            ]);
        }
        t.to_string()
    }

    fn karma_table(&self) -> String {
        let mut t = table_with(&["agent", "domain", "before", "after"]);
        for k in &self.karma {
            t.add_row(vec![
                k.role.clone(),
                k.domain.clone(),
                karma_cell(&k.before),
                karma_cell(&k.after),
            ]);
        }
        t.to_string()
    }

    fn gas_table(&self) -> String {
        let mut t = table_with(&["phase", "step", "calls", "gas"]);
        for g in &self.gas {
            t.add_row(vec![
                g.phase.clone(),
                g.step.clone(),
                g.calls.to_string(),
                g.gas.to_string(),
            ]);
        }
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eth_deltas_carry_their_sign() {
        let one = U256::from(10u64).pow(U256::from(18u64));
        assert!(eth_delta(U256::ZERO, one).starts_with('+'));
        assert!(eth_delta(one, U256::ZERO).starts_with('-'));
        assert_eq!(
            karma_cell(&KarmaPoint {
                accuracy: 0.5,
                completion: 1.0,
                tasks: 3
            }),
            "0.500 / 1.000 / 3"
        );
    }
}
