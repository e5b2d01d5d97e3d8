//! Response aggregation (white paper §4.4): answers weighted by the karma of their source,
//! conflict detection, a confidence score carried to the output.
//!
//! * Weights: `aos_protocol::karma::aggregation_weights` over the sources' karma (WAD).
//! * Agreement of two answers: Sørensen–Dice similarity of their normalised text
//!   (`strsim::sorensen_dice`, lowercase, whitespace collapsed), in `[0, 1]`.
//! * Support of answer i: `Σ_j w_j · sim(i, j)` (with `sim(i, i) = 1`). The answer with the
//!   most support is chosen; `confidence = support(chosen) · mean source karma`, in `[0, 1]`.
//! * Conflict: some pair agrees less than `conflict_below` (default 0.35). Then the result
//!   asks for one more query if the caller can make one, else marks it for human review.

use aos_protocol::karma::{DEFAULT_WEIGHT_FLOOR, aggregation_weights, math::WAD};
use serde::Serialize;

/// One source's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Registry service name or worker id.
    pub source: String,
    /// The answer text.
    pub answer: String,
    /// Karma of the source in `[0, 1]`.
    pub karma: f64,
}

/// What to do about a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictAction {
    /// Answers agree.
    None,
    /// Ask one more source and aggregate again.
    QueryAgain,
    /// Mark the result for a person to review.
    HumanReview,
}

/// The aggregate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregated {
    /// The chosen answer.
    pub answer: String,
    /// Index of the chosen contribution.
    pub chosen: usize,
    /// Confidence in `[0, 1]`.
    pub confidence: f64,
    /// Normalised weight of each contribution (sum 1).
    pub weights: Vec<f64>,
    /// Lowest pairwise agreement (1 for a single answer).
    pub min_agreement: f64,
    /// What the conflict check asks for.
    pub action: ConflictAction,
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Similarity of two answers in `[0, 1]` (module docs).
pub fn agreement(a: &str, b: &str) -> f64 {
    let (a, b) = (normalise(a), normalise(b));
    if a == b {
        return 1.0;
    }
    strsim::sorensen_dice(&a, &b)
}

/// Aggregate `contribs` (module docs). `None` for no contributions.
/// `can_query_again` tells whether the caller has budget and another source.
pub fn aggregate(
    contribs: &[Contribution],
    conflict_below: f64,
    can_query_again: bool,
) -> Option<Aggregated> {
    if contribs.is_empty() {
        return None;
    }
    let karma_wad: Vec<u64> = contribs
        .iter()
        .map(|c| (c.karma.clamp(0.0, 1.0) * WAD as f64) as u64)
        .collect();
    let weights: Vec<f64> = aggregation_weights(&karma_wad, DEFAULT_WEIGHT_FLOOR)
        .into_iter()
        .map(|w| w as f64 / WAD as f64)
        .collect();
    let n = contribs.len();
    let mut sim = vec![vec![1.0; n]; n];
    let mut min_agreement: f64 = 1.0;
    for i in 0..n {
        for j in i + 1..n {
            let s = agreement(&contribs[i].answer, &contribs[j].answer);
            sim[i][j] = s;
            sim[j][i] = s;
            min_agreement = min_agreement.min(s);
        }
    }
    let support: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| weights[j] * sim[i][j]).sum())
        .collect();
    let chosen = (0..n)
        .max_by(|&a, &b| support[a].total_cmp(&support[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let mean_karma = contribs
        .iter()
        .map(|c| c.karma.clamp(0.0, 1.0))
        .sum::<f64>()
        / n as f64;
    let confidence = (support[chosen] * mean_karma).clamp(0.0, 1.0);
    let action = if min_agreement >= conflict_below {
        ConflictAction::None
    } else if can_query_again {
        ConflictAction::QueryAgain
    } else {
        ConflictAction::HumanReview
    };
    Some(Aggregated {
        answer: contribs[chosen].answer.clone(),
        chosen,
        confidence,
        weights,
        min_agreement,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(source: &str, answer: &str, karma: f64) -> Contribution {
        Contribution {
            source: source.into(),
            answer: answer.into(),
            karma,
        }
    }

    #[test]
    fn agreeing_answers_give_high_confidence() {
        let a = aggregate(
            &[
                c(
                    "a",
                    "The outage was caused by an expired TLS certificate.",
                    0.9,
                ),
                c(
                    "b",
                    "the outage was caused by an expired TLS certificate",
                    0.8,
                ),
            ],
            0.35,
            true,
        )
        .unwrap();
        assert_eq!(a.action, ConflictAction::None);
        assert!(a.confidence > 0.8, "{a:?}");
        assert!((a.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn conflict_triggers_a_query_or_review_and_karma_decides() {
        let cs = [
            c("low", "Revenue will fall sharply next quarter.", 0.1),
            c("high", "Database migration locked the orders table.", 0.9),
        ];
        let a = aggregate(&cs, 0.35, true).unwrap();
        assert_eq!(a.action, ConflictAction::QueryAgain);
        assert_eq!(a.chosen, 1, "the higher-karma source wins a 1-1 split");
        assert!(a.confidence < 0.6, "{a:?}");
        assert_eq!(
            aggregate(&cs, 0.35, false).unwrap().action,
            ConflictAction::HumanReview
        );
        assert!(aggregate(&[], 0.35, false).is_none());
    }

    #[test]
    fn majority_beats_a_single_dissenter() {
        let cs = [
            c("x", "restart the primary and fail over", 0.5),
            c("y", "Restart the primary, then fail over", 0.5),
            c("z", "buy more disks", 0.6),
        ];
        let a = aggregate(&cs, 0.35, false).unwrap();
        assert!(a.chosen < 2, "{a:?}");
    }
}
