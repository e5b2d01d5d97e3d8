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
//!
//! [`agreement_checks`] turns the outcomes into verdict outcomes of kind [`AGREEMENT`] that
//! name the compared results by their result blob ids, so whoever reads a verdict (a juror)
//! can fetch those results and run the same comparison again.

use std::collections::BTreeSet;

use aos_protocol::messages::{Agreement, AgreementMeasure, BPS, CheckOutcome};

use crate::text::{collapse_ws, excerpt, outcome};

/// The outcome kind of an agreement across redundant results.
pub const AGREEMENT: &str = "agreement";

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

/// The [`AGREEMENT`] outcome of each result in `results` (`(result blob id, output)`
/// pairs: the id as a verdict's `result_hash`, `0x` + 64 hex digits), one per result, in
/// order: [`agreement()`] over the outputs, compared in the canonical order of the ids
/// (ascending, case-insensitive), so every evaluator given the same set of results gives
/// the same outcomes whatever order it found them in.
///
/// `pass` and `score_bps` are [`AgreementOutcome`]'s. The reason names the measure and
/// threshold and every compared result by id: a member of the majority group
/// `"agrees with 1 of the 2 other results (exact, threshold 10000 bps); majority: 0xa…,
/// 0xb…; outside it: 0xc…"`; an outlier `"outside the majority (exact, threshold 10000
/// bps), agrees with none; majority: 0xa…, 0xb…; outside it: 0xc…"`; without a majority
/// the rule's reason and `"compared: …"`. Reasons are clipped to the verdict's limit
/// ([`aos_protocol::messages::MAX_REASON_LEN`]; nine ids fit).
pub fn agreement_checks(results: &[(&str, &str)], a: &Agreement) -> Vec<CheckOutcome> {
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| results[i].0.to_ascii_lowercase());
    let ids: Vec<String> = order
        .iter()
        .map(|&i| results[i].0.to_ascii_lowercase())
        .collect();
    let answers: Vec<&str> = order.iter().map(|&i| results[i].1).collect();
    let outcomes = agreement(&answers, a);
    let measure = match a.measure {
        AgreementMeasure::Exact => "exact",
        AgreementMeasure::Jaccard => "jaccard",
    };
    let rule = format!("{measure}, threshold {} bps", a.threshold_bps);
    let list = |members: &mut dyn Iterator<Item = usize>| -> String {
        let v: Vec<&str> = members.map(|j| ids[j].as_str()).collect();
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    let majority: BTreeSet<usize> = outcomes
        .iter()
        .filter(|o| o.pass)
        .map(|o| o.index)
        .collect();
    let n = answers.len();
    let mut checks: Vec<Option<CheckOutcome>> = vec![None; n];
    for (pos, o) in outcomes.iter().enumerate() {
        let groups = format!(
            "majority: {}; outside it: {}",
            list(&mut majority.iter().copied()),
            list(&mut (0..n).filter(|j| !majority.contains(j)))
        );
        let reason = if majority.is_empty() {
            format!("{} ({rule}); compared: {}", o.reason, list(&mut (0..n)))
        } else if o.pass {
            format!(
                "agrees with {} of the {} other results ({rule}); {groups}",
                o.agrees_with.len(),
                n - 1
            )
        } else {
            format!(
                "outside the majority ({rule}), agrees with {}; {groups}",
                list(&mut o.agrees_with.iter().copied())
            )
        };
        checks[order[pos]] = Some(outcome(AGREEMENT, o.pass, o.score_bps, &reason));
    }
    checks.into_iter().flatten().collect()
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

    fn id(byte: u8) -> String {
        format!("0x{}", format!("{byte:02x}").repeat(32))
    }

    #[test]
    fn checks_name_the_results_by_id_in_any_input_order() {
        let (a, b, c) = (id(0xaa), id(0x11), id(0x55));
        let results = [
            (a.as_str(), "Paris"),
            (b.as_str(), "Lyon"),
            (c.as_str(), "paris"),
        ];
        let out = agreement_checks(&results, &exact());
        assert_eq!(out.len(), 3);
        assert!(out[0].pass && !out[1].pass && out[2].pass, "{out:?}");
        assert!(out.iter().all(|o| o.kind == AGREEMENT));
        // ids ascending: 0x11… (Lyon), 0x55…, 0xaa…
        assert_eq!(
            out[1].reason,
            format!(
                "outside the majority (exact, threshold 10000 bps), agrees with none; majority: {c}, {a}; outside it: {b}"
            )
        );
        assert_eq!(
            out[0].reason,
            format!(
                "agrees with 1 of the 2 other results (exact, threshold 10000 bps); majority: {c}, {a}; outside it: {b}"
            )
        );
        assert_eq!((out[0].score_bps, out[1].score_bps), (5000, 0));
        // the same set in another order gives the same outcome for each result
        let shuffled = [results[2], results[0], results[1]];
        let again = agreement_checks(&shuffled, &exact());
        assert_eq!(again, vec![out[2].clone(), out[0].clone(), out[1].clone()]);
    }

    #[test]
    fn checks_without_a_majority_list_every_result_and_fit_a_verdict() {
        let ids: Vec<String> = (1..=9).map(id).collect();
        let results: Vec<(&str, &str)> = ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), ["a", "b", "c", "d", "e", "f", "g", "h", "i"][i]))
            .collect();
        let a = Agreement { k: 9, ..exact() };
        let out = agreement_checks(&results, &a);
        assert!(
            out.iter()
                .all(|o| !o.pass && o.reason.starts_with("no two of the 9"))
        );
        for o in &out {
            assert!(o.reason.len() <= aos_protocol::messages::MAX_REASON_LEN);
            assert!(
                ids.iter().all(|i| o.reason.contains(i.as_str())),
                "{}",
                o.reason
            );
        }
        assert!(agreement_checks(&[], &exact()).is_empty());
    }
}
