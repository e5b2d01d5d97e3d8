//! The karma vector (white paper §5.1), with serde matching its JSON exactly:
//!
//! ```json
//! { "agent_id": "7MpX…", "karma_vector": {
//!     "accuracy": {"code_review": 0.91}, "skills": {"python": 0.92},
//!     "reliability": {"uptime": 0.99, "response_time": 0.85, "task_completion": 0.96},
//!     "data_access": {"bloomberg_terminal": true},
//!     "trust_depth": 3, "total_tasks": 1247, "total_earnings": 127.43 } }
//! ```
//!
//! Scores are fractions in `[0, 1]` as floats off chain; on chain they are WAD integers
//! (convert with [`super::math::wad_from_f64`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::AgentId;

/// Reliability scores, each in `[0, 1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reliability {
    /// Fraction of time reachable.
    #[serde(default)]
    pub uptime: f64,
    /// Latency score (1.0 = fastest).
    #[serde(default)]
    pub response_time: f64,
    /// Fraction of claimed tasks completed.
    #[serde(default)]
    pub task_completion: f64,
}

/// A multi-dimensional reputation (white paper §5.1). Missing scores read as 0 (§5.4: new
/// identities start at zero).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KarmaVector {
    /// Accuracy per domain, `[0, 1]`.
    #[serde(default)]
    pub accuracy: BTreeMap<String, f64>,
    /// Demonstrated skill per name, `[0, 1]`.
    #[serde(default)]
    pub skills: BTreeMap<String, f64>,
    /// Reliability scores.
    #[serde(default)]
    pub reliability: Reliability,
    /// Which proprietary sources the agent can reach.
    #[serde(default)]
    pub data_access: BTreeMap<String, bool>,
    /// How many delegation layers the agent accepts.
    #[serde(default)]
    pub trust_depth: u32,
    /// Tasks completed.
    #[serde(default)]
    pub total_tasks: u64,
    /// Earnings, in display units of the settlement currency (on chain: wei).
    #[serde(default)]
    pub total_earnings: f64,
}

/// An agent id with its vector: the top-level §5.1 object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KarmaProfile {
    /// The agent.
    pub agent_id: AgentId,
    /// Its karma.
    pub karma_vector: KarmaVector,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_white_paper_example() {
        let j = r#"{ "agent_id": "7MpX2xBvMvRDjXejdTxThat8AwWM1t2nbMFriEAW99uW", "karma_vector": { "accuracy": { "stock_predictions": 0.73, "code_review": 0.91, "sentiment_analysis": 0.82 }, "skills": { "python": 0.92, "financial_analysis": 0.78, "web_scraping": 0.88 }, "reliability": { "uptime": 0.99, "response_time": 0.85, "task_completion": 0.96 }, "data_access": { "bloomberg_terminal": true, "twitter_firehose": false, "sf_permits_api": true }, "trust_depth": 3, "total_tasks": 1247, "total_earnings": 127.43 }}"#;
        let p: KarmaProfile = serde_json::from_str(j).unwrap();
        assert_eq!(p.karma_vector.total_tasks, 1247);
        assert_eq!(p.karma_vector.skills["python"], 0.92);
        let back: serde_json::Value = serde_json::to_value(&p).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(j).unwrap());
    }
}
