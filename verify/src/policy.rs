//! What a requester does with a verdict (issue 13 "Requester side"): the review policy
//! shared by the coordinator (`aos-coordinator ask --review`) and `aos task review
//! --policy`.

use std::fmt;
use std::str::FromStr;

use aos_protocol::messages::Verdict;

/// A requester's review policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewPolicy {
    /// Accept on pass; on fail reject within the review window with the verdict as
    /// evidence (the dispute goes to the jury).
    #[default]
    Auto,
    /// Show the verdict and wait for the requester to accept or reject.
    Ask,
    /// Accept every submission whatever the verdict says (the market before issue 13,
    /// made explicit).
    AcceptAll,
}

/// What a policy says to do with one verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Pay the worker.
    Accept,
    /// Reject with the verdict as evidence.
    Reject,
    /// Leave the task for the requester.
    Wait,
}

impl ReviewPolicy {
    /// The policy's answer to `verdict`.
    pub fn decide(self, verdict: &Verdict) -> Decision {
        match (self, verdict.pass) {
            (Self::AcceptAll, _) | (Self::Auto, true) => Decision::Accept,
            (Self::Auto, false) => Decision::Reject,
            (Self::Ask, _) => Decision::Wait,
        }
    }

    /// The name on the command line: `auto`, `ask`, `accept-all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Ask => "ask",
            Self::AcceptAll => "accept-all",
        }
    }
}

impl fmt::Display for ReviewPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown policy name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown review policy {0:?}: expected auto, ask or accept-all")]
pub struct UnknownPolicy(String);

impl FromStr for ReviewPolicy {
    type Err = UnknownPolicy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "ask" => Ok(Self::Ask),
            "accept-all" => Ok(Self::AcceptAll),
            other => Err(UnknownPolicy(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aos_protocol::AgentId;

    fn verdict(pass: bool) -> Verdict {
        Verdict {
            task_id: "t".into(),
            spec_hash: format!("0x{}", "11".repeat(32)),
            result_hash: format!("0x{}", "22".repeat(32)),
            evaluator: AgentId::from_bytes([1; 32]),
            pass,
            score_bps: if pass { 10_000 } else { 0 },
            checks: vec![],
            judge: None,
            signature: None,
        }
    }

    #[test]
    fn each_policy_decides_as_documented() {
        use Decision::*;
        let table = [
            (ReviewPolicy::Auto, true, Accept),
            (ReviewPolicy::Auto, false, Reject),
            (ReviewPolicy::Ask, true, Wait),
            (ReviewPolicy::Ask, false, Wait),
            (ReviewPolicy::AcceptAll, true, Accept),
            (ReviewPolicy::AcceptAll, false, Accept),
        ];
        for (p, pass, want) in table {
            assert_eq!(p.decide(&verdict(pass)), want, "{p} on pass={pass}");
            assert_eq!(p.as_str().parse::<ReviewPolicy>(), Ok(p));
        }
        assert!(
            "sometimes"
                .parse::<ReviewPolicy>()
                .unwrap_err()
                .to_string()
                .contains("accept-all")
        );
    }
}
