//! Agreement across redundant workers (issue 13 "Agreement"): the requester posts the
//! same step to `k` workers, compares their answers pairwise by the spec's
//! [`AgreementMeasure`], pays the largest group that agrees and rejects the others with
//! that group's answers as evidence.
//!
//! Two answers agree when their similarity reaches `threshold_bps`:
//! * [`AgreementMeasure::Exact`]: 10 000 when equal after normalising (trimmed,
//!   whitespace runs collapsed to one space, lowercased), else 0;
//! * [`AgreementMeasure::Jaccard`]: `|A ∩ B| / |A ∪ B|` of the answers' word sets (words
//!   are maximal runs of alphanumeric characters, lowercased; two empty answers are
//!   equal), in basis points, rounded down.
//!
//! The group of an answer is itself and every answer it agrees with. The largest group
//! with at least two members passes; if two different groups tie for largest, or no two
//! answers agree, there is no majority and every answer fails with that reason. (Jaccard
//! agreement is not transitive, so the groups are neighbourhoods, not a partition; the
//! rule picks the answer with the most agreeing peers.)

use std::collections::BTreeSet;

use aos_protocol::messages::{Agreement, AgreementMeasure, BPS};

use crate::text::{collapse_ws, excerpt};

/// One answer's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementOutcome {
    /// Position of the answer in the input slice.
    pub index: usize,
    /// The other answers it agrees with (indices, ascending).
    pub agrees_with: Vec<usize>,
    /// Whether it belongs to the winning group.
    pub pass: bool,
    /// Its mean similarity to the other answers, basis points.
    pub score_bps: u16,
    /// Why; for an outlier, the winning group's answers as evidence.
    pub reason: String,
}

/// The similarity of `a` and `b` under `measure`, basis points (module docs).
pub fn similarity_bps(a: &str, b: &str, measure: AgreementMeasure) -> u16 {
    match measure {
        AgreementMeasure::Exact => {
            if normalise(a) == normalise(b) {
                BPS
            } else {
                0
            }
        }
        AgreementMeasure::Jaccard => {
            let (wa, wb) = (words(a), words(b));
            let union = wa.union(&wb).count();
            if union == 0 {
                return BPS;
            }
            let inter = wa.intersection(&wb).count();
            // ≤ 10 000 because inter ≤ union
            (inter * usize::from(BPS) / union) as u16
        }
    }
}

fn normalise(s: &str) -> String {
    collapse_ws(s).to_lowercase()
}

fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Compares `answers` (module docs): one outcome per answer, in order.
pub fn agreement(answers: &[&str], a: &Agreement) -> Vec<AgreementOutcome> {
    let n = answers.len();
    let mut sim = vec![vec![BPS; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let s = similarity_bps(answers[i], answers[j], a.measure);
            sim[i][j] = s;
            sim[j][i] = s;
        }
    }
    let agrees: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i && sim[i][j] >= a.threshold_bps)
                .collect()
        })
        .collect();
    let score = |i: usize| -> u16 {
        if n < 2 {
            return 0;
        }
        let sum: u64 = (0..n)
            .filter(|&j| j != i)
            .map(|j| u64::from(sim[i][j]))
            .sum();
        (sum / (n as u64 - 1)) as u16
    };
    // each answer's group: itself and its agreeing peers
    let groups: Vec<BTreeSet<usize>> = (0..n)
        .map(|i| agrees[i].iter().copied().chain([i]).collect())
        .collect();
    let largest = groups.iter().map(BTreeSet::len).max().unwrap_or(0);
    let winners: BTreeSet<&BTreeSet<usize>> =
        groups.iter().filter(|g| g.len() == largest).collect();
    let no_majority = if n < 2 {
        Some(format!("{n} answer(s): agreement needs at least 2"))
    } else if largest < 2 {
        Some(format!("no two of the {n} answers agree"))
    } else if winners.len() > 1 {
        Some(format!(
            "no majority: {} different groups of {largest} agreeing answers",
            winners.len()
        ))
    } else {
        None
    };
    let winner = winners.iter().next().copied().cloned().unwrap_or_default();
    (0..n)
        .map(|i| {
            let (pass, reason) = match &no_majority {
                Some(why) => (false, why.clone()),
                None if winner.contains(&i) => (
                    true,
                    format!(
                        "agrees with {} of the {} other answers (group {:?})",
                        agrees[i].len(),
                        n - 1,
                        winner
                    ),
                ),
                None => {
                    let evidence: Vec<String> = winner
                        .iter()
                        .take(3)
                        .map(|&j| format!("answer {j}: {}", excerpt(answers[j])))
                        .collect();
                    (
                        false,
                        format!(
                            "disagrees with the majority group {:?}; {}",
                            winner,
                            evidence.join("; ")
                        ),
                    )
                }
            };
            AgreementOutcome {
                index: i,
                agrees_with: agrees[i].clone(),
                pass,
                score_bps: score(i),
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact() -> Agreement {
        Agreement {
            k: 3,
            measure: AgreementMeasure::Exact,
            threshold_bps: BPS,
        }
    }

    #[test]
    fn majority_passes_and_outlier_gets_evidence() {
        let out = agreement(&["  Paris ", "paris", "Lyon"], &exact());
        assert!(out[0].pass && out[1].pass && !out[2].pass);
        assert_eq!(out[0].agrees_with, vec![1]);
        assert!(out[2].reason.contains("\"  Paris \"") || out[2].reason.contains("Paris"));
        assert!(
            out[2].reason.contains("majority group {0, 1}"),
            "{}",
            out[2].reason
        );
        assert_eq!(out[0].score_bps, 5000);
        assert_eq!(out[2].score_bps, 0);
    }

    #[test]
    fn ties_and_singletons_have_no_majority() {
        let a = Agreement { k: 4, ..exact() };
        let out = agreement(&["a", "a", "b", "b"], &a);
        assert!(
            out.iter()
                .all(|o| !o.pass && o.reason.contains("no majority"))
        );
        let out = agreement(&["a", "b", "c"], &exact());
        assert!(out.iter().all(|o| !o.pass && o.reason.contains("no two")));
        let out = agreement(&["a"], &exact());
        assert!(!out[0].pass);
        assert!(agreement(&[], &exact()).is_empty());
    }

    #[test]
    fn jaccard_counts_shared_words() {
        assert_eq!(
            similarity_bps("the cat sat", "The cat, sat!", AgreementMeasure::Jaccard),
            BPS
        );
        assert_eq!(
            similarity_bps("a b c d", "a b", AgreementMeasure::Jaccard),
            5000
        );
        assert_eq!(similarity_bps("", "", AgreementMeasure::Jaccard), BPS);
        let a = Agreement {
            k: 3,
            measure: AgreementMeasure::Jaccard,
            threshold_bps: 6000,
        };
        let out = agreement(
            &[
                "renew the certificate and add expiry alerts",
                "add expiry alerts and renew the certificate today",
                "buy more servers",
            ],
            &a,
        );
        assert!(out[0].pass && out[1].pass && !out[2].pass, "{out:?}");
    }
}
