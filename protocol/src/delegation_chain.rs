//! Delegation-chain records (white paper §6.4 "Delegation Chain Accountability": each
//! delegator stays accountable, maximum depth configurable per task, full chain recorded
//! in the DAG for audit).
//!
//! A chain lists hops from the original requester's worker outward. Hop `i` (0-based) has
//! `depth == i + 1`; each hop's delegator is the previous hop's delegate; only the last
//! hop may delegate to a service (an LLM API, not an agent); budgets never grow along the
//! chain and keep one currency; each hop is signed by its delegator (see
//! [`crate::signing`], domain [`DelegationHop::DOMAIN`]).

use serde::{Deserialize, Serialize};

use crate::identity::{AgentId, AgentSignature};
use crate::signing::{SignError, SignedMessage};

/// Hard upper bound on chain length, whatever a task allows.
pub const MAX_CHAIN_DEPTH: u32 = 16;

/// Errors from checking a delegation chain (white paper §6.4). Not to be confused with
/// `aos_chain::ChainError`, a failed call to the contracts.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DelegationError {
    /// The chain has no hops.
    #[error("empty delegation chain")]
    Empty,
    /// More hops than allowed.
    #[error("delegation depth {depth} exceeds the maximum {max}")]
    TooDeep {
        /// Number of hops.
        depth: u32,
        /// Allowed maximum.
        max: u32,
    },
    /// A hop's `depth` is not its position + 1.
    #[error("hop {index} has depth {depth}, expected {}", index + 1)]
    BadDepth {
        /// Hop index.
        index: usize,
        /// Depth recorded.
        depth: u32,
    },
    /// A hop's delegator is not the previous hop's delegate agent.
    #[error("hop {0} is not delegated by the previous hop's delegate")]
    Broken(usize),
    /// A hop's budget exceeds the previous hop's, or changes currency, or is not finite.
    #[error("hop {0} budget exceeds its parent's or changes currency")]
    Budget(usize),
    /// Hops must refer to the same task.
    #[error("hop {0} refers to a different task")]
    TaskMismatch(usize),
    /// A hop's signature is missing or invalid.
    #[error("hop {index} signature: {source}")]
    Signature {
        /// Hop index.
        index: usize,
        /// Why.
        source: SignError,
    },
}

impl DelegationError {
    /// Always `false`: a chain that breaks a rule breaks it again on retry.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Who received the work at a hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Delegate {
    /// Another agent on the mesh.
    Agent(AgentId),
    /// A service such as `"claude-opus"` (white paper §4.1 registry name).
    Service(String),
}

/// One delegation step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationHop {
    /// The agent handing work on (and signing this hop).
    pub delegator: AgentId,
    /// Who receives it.
    pub delegate: Delegate,
    /// The task delegated (same for every hop).
    pub task_id: String,
    /// 1 for the first hop, +1 per hop.
    pub depth: u32,
    /// Most the delegate may spend, in `currency` units.
    pub budget: f64,
    /// Currency code of `budget`, e.g. `"USD"`, `"ETH"`.
    pub currency: String,
    /// When the hop was made, Unix ms.
    pub timestamp_ms: u64,
    /// Delegator's signature over the hop without this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<AgentSignature>,
}

impl SignedMessage for DelegationHop {
    const DOMAIN: &'static str = "aos/delegation-hop/v1";

    fn signer(&self) -> &AgentId {
        &self.delegator
    }

    fn signature(&self) -> Option<&AgentSignature> {
        self.signature.as_ref()
    }

    fn set_signature(&mut self, sig: Option<AgentSignature>) {
        self.signature = sig;
    }
}

/// A full chain, recorded as a DAG node of kind `"delegation-chain"` for audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationChain {
    /// Hops in order.
    pub hops: Vec<DelegationHop>,
}

impl DelegationChain {
    /// Checks structure, depth ≤ `min(max_depth, MAX_CHAIN_DEPTH)` and every signature.
    ///
    /// # Errors
    /// The first violated rule as a [`DelegationError`].
    pub fn check(&self, max_depth: u32) -> Result<(), DelegationError> {
        let max = max_depth.min(MAX_CHAIN_DEPTH);
        let first = self.hops.first().ok_or(DelegationError::Empty)?;
        let depth = u32::try_from(self.hops.len()).unwrap_or(u32::MAX);
        if depth > max {
            return Err(DelegationError::TooDeep { depth, max });
        }
        for (i, hop) in self.hops.iter().enumerate() {
            if u64::from(hop.depth) != i as u64 + 1 {
                return Err(DelegationError::BadDepth {
                    index: i,
                    depth: hop.depth,
                });
            }
            if hop.task_id != first.task_id {
                return Err(DelegationError::TaskMismatch(i));
            }
            if !hop.budget.is_finite() || hop.budget < 0.0 {
                return Err(DelegationError::Budget(i));
            }
            if i > 0 {
                let prev = &self.hops[i - 1];
                if prev.delegate != Delegate::Agent(hop.delegator) {
                    return Err(DelegationError::Broken(i));
                }
                if hop.budget > prev.budget || hop.currency != prev.currency {
                    return Err(DelegationError::Budget(i));
                }
            }
            hop.verify_signature()
                .map_err(|source| DelegationError::Signature { index: i, source })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::AgentKey;

    fn hop(from: &AgentKey, to: Delegate, depth: u32, budget: f64) -> DelegationHop {
        let mut h = DelegationHop {
            delegator: from.agent_id(),
            delegate: to,
            task_id: "t1".into(),
            depth,
            budget,
            currency: "USD".into(),
            timestamp_ms: 1,
            signature: None,
        };
        h.sign_with(from).unwrap();
        h
    }

    #[test]
    fn chain_rules() {
        let (a, b) = (AgentKey::generate(), AgentKey::generate());
        let chain = DelegationChain {
            hops: vec![
                hop(&a, Delegate::Agent(b.agent_id()), 1, 1.0),
                hop(&b, Delegate::Service("claude-opus".into()), 2, 0.5),
            ],
        };
        chain.check(2).unwrap();
        assert_eq!(
            chain.check(1),
            Err(DelegationError::TooDeep { depth: 2, max: 1 })
        );
        let mut bad = chain.clone();
        bad.hops[1].budget = 0.4;
        assert!(matches!(
            bad.check(2),
            Err(DelegationError::Signature { index: 1, .. })
        ));
        let mut bad = chain.clone();
        bad.hops[1] = hop(&b, Delegate::Service("x".into()), 2, 2.0);
        assert_eq!(bad.check(2), Err(DelegationError::Budget(1)));
        let mut bad = chain;
        bad.hops[1] = hop(&a, Delegate::Service("x".into()), 2, 0.5);
        assert_eq!(bad.check(2), Err(DelegationError::Broken(1)));
    }
}
