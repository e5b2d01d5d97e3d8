//! Delegation to a service (white paper §4.3 "Delegation Protocol").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::acceptance::Acceptance;
use super::common::{MAX_ID_LEN, MAX_TEXT_LEN, Message, check_currency, check_nonneg, check_str};
use super::error::MessageError;
use crate::identity::{AgentId, AgentSignature};
use crate::signing::SignedMessage;

/// The work handed over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegatedTask {
    /// Step type, e.g. `"complex_reasoning"`.
    #[serde(rename = "type")]
    pub task_type: String,
    /// The prompt, ≤ 256 KiB.
    pub prompt: String,
    /// Output token limit, `1..=1 000 000`.
    pub max_tokens: u32,
    /// Sampling temperature, `[0, 2]`.
    pub temperature: f64,
    /// How the delegator will judge the answer (issue 13), signed with the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
}

/// Spending cap (white paper §4.3 `budget`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationBudget {
    /// Most the service may cost, in `currency` display units.
    pub max_cost: f64,
    /// Currency code.
    pub currency: String,
}

/// Privacy instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Whether the service may log the prompt.
    pub allow_logging: bool,
    /// Whether personal data must be removed before sending.
    pub strip_pii: bool,
}

/// A signed delegation from an agent to a service (white paper §4.3). Signed by
/// `from_agent`.
///
/// Rules: ids ≤ 128 bytes; prompt non-empty ≤ 256 KiB; `max_tokens` in `1..=1 000 000`;
/// `temperature` in `[0, 2]`; acceptance, when present, valid; budget finite ≥ 0 with a currency code; `timeout_ms > 0`;
/// callback ≤ 1024 bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// Delegation identifier.
    pub delegation_id: String,
    /// The delegating agent.
    pub from_agent: AgentId,
    /// Registry name of the service, e.g. `"claude-opus"` (white paper §4.1).
    pub to_service: String,
    /// The work.
    pub task: DelegatedTask,
    /// Spending cap.
    pub budget: DelegationBudget,
    /// How long to wait, ms.
    pub timeout_ms: u64,
    /// Privacy instructions.
    pub privacy: Privacy,
    /// Where to deliver the result, e.g. `"webrtc://peer_id/result_channel"`.
    pub callback: String,
    /// `from_agent`'s signature ([`SignedMessage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<AgentSignature>,
}

impl Message for Delegation {
    const NAME: &'static str = "delegation";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("delegation_id", &self.delegation_id, MAX_ID_LEN, true)?;
        check_str("to_service", &self.to_service, MAX_ID_LEN, true)?;
        check_str("task.type", &self.task.task_type, MAX_ID_LEN, true)?;
        check_str("task.prompt", &self.task.prompt, MAX_TEXT_LEN, true)?;
        if !(1..=1_000_000).contains(&self.task.max_tokens) {
            return Err(MessageError::invalid(
                "task.max_tokens",
                "must be in 1..=1000000",
            ));
        }
        let t = self.task.temperature;
        if !(t.is_finite() && (0.0..=2.0).contains(&t)) {
            return Err(MessageError::invalid(
                "task.temperature",
                "must be in [0, 2]",
            ));
        }
        if let Some(a) = &self.task.acceptance {
            a.validate()?;
        }
        check_nonneg("budget.max_cost", self.budget.max_cost)?;
        check_currency("budget.currency", &self.budget.currency)?;
        if self.timeout_ms == 0 {
            return Err(MessageError::invalid("timeout_ms", "must be > 0"));
        }
        check_str("callback", &self.callback, 1024, false)
    }
}

impl SignedMessage for Delegation {
    const DOMAIN: &'static str = "aos/delegation/v1";

    fn signer(&self) -> &AgentId {
        &self.from_agent
    }

    fn signature(&self) -> Option<&AgentSignature> {
        self.signature.as_ref()
    }

    fn set_signature(&mut self, sig: Option<AgentSignature>) {
        self.signature = sig;
    }
}
