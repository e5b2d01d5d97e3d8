//! Task specification (white paper §6.2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::acceptance::Acceptance;
use super::common::{MAX_ID_LEN, Message, Money, check_list, check_str};
use super::error::MessageError;
use crate::identity::{AgentId, AgentSignature};
use crate::karma::requirement::parse_requirements;
use crate::signing::SignedMessage;

/// Largest `max_delegation_depth` a task may allow.
pub const MAX_DELEGATION_DEPTH: u32 = 16;

/// Who may take the task (white paper §6.2 `requirements`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Minimum karma per dimension key (`"accuracy.financial_analysis": 0.75`; see
    /// [`crate::karma::Dimension`]).
    #[serde(default)]
    pub karma_min: BTreeMap<String, f64>,
    /// Skills the worker must have (score > 0).
    #[serde(default)]
    pub required_skills: Vec<String>,
    /// Time allowed from claim to submission, ms (§6.2 example: 3 600 000 = 1 h).
    pub deadline_ms: u64,
    /// Worker accounts (`0x` + 40 hex digits) the requester will not accept on this task,
    /// e.g. the one whose result it rejected when it re-posts a step. Not enforced on
    /// chain: a worker reads it before claiming, and the requester rejects a result from
    /// an excluded worker without evaluating it. At most 64.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_workers: Vec<String>,
}

impl Requirements {
    /// Whether `account` (`0x…`, any case) is excluded.
    pub fn excludes(&self, account: &str) -> bool {
        self.excluded_workers
            .iter()
            .any(|w| w.eq_ignore_ascii_case(account))
    }
}

/// A task spec (white paper §6.2): what to do, for whom, for how much. Signed by
/// `requester`; stored as a blob whose BLAKE3 hash is the task's on-chain `specHash`.
///
/// Rules ([`Message::validate`]): `task_id`, `type` non-empty ≤ 128 bytes; every
/// `karma_min` key a known dimension with a valid minimum; at most 64 skills;
/// every excluded worker an address (at most 64); `deadline_ms > 0`; payment an exact
/// integer amount with a currency code; `max_delegation_depth ≤ 16` and 0 unless
/// `delegation_allowed`; `acceptance`, when present, valid by [`Acceptance::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// Task identifier (e.g. `"blake3:<hex>"` or the on-chain task id as decimal).
    pub task_id: String,
    /// Task kind, e.g. `"research_analysis"`.
    #[serde(rename = "type")]
    pub task_type: String,
    /// Who posts and pays.
    pub requester: AgentId,
    /// Who may take it.
    pub requirements: Requirements,
    /// What it pays.
    pub payment: Money,
    /// Task input, free JSON.
    pub input: serde_json::Value,
    /// Whether the worker may delegate parts.
    pub delegation_allowed: bool,
    /// Deepest allowed delegation chain (white paper §6.4).
    pub max_delegation_depth: u32,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// How the result is judged (issue 13); specs written before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
    /// Requester's signature ([`SignedMessage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<AgentSignature>,
}

impl TaskSpec {
    /// An unsigned spec asking `prompt` (input `{"prompt": …}`, the shape aos-worker's
    /// executors read): `deadline_ms` from claim to submission, `payment_wei` wei of ETH, no karma floor,
    /// no skills, no delegation, `created_at` 0.
    pub fn prompt(
        task_id: impl Into<String>,
        task_type: impl Into<String>,
        requester: AgentId,
        prompt: &str,
        deadline_ms: u64,
        payment_wei: u128,
    ) -> Self {
        Self {
            task_id: task_id.into(),
            task_type: task_type.into(),
            requester,
            requirements: Requirements {
                deadline_ms,
                ..Default::default()
            },
            payment: Money::eth_wei(payment_wei),
            input: serde_json::json!({ "prompt": prompt }),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: 0,
            acceptance: None,
            signature: None,
        }
    }

    /// The same spec with `acceptance` as its acceptance criteria.
    #[must_use]
    pub fn with_acceptance(mut self, acceptance: Acceptance) -> Self {
        self.acceptance = Some(acceptance);
        self
    }
}

impl Message for TaskSpec {
    const NAME: &'static str = "task_spec";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("task_id", &self.task_id, MAX_ID_LEN, true)?;
        check_str("type", &self.task_type, MAX_ID_LEN, true)?;
        parse_requirements(&self.requirements.karma_min)?;
        check_list(
            "requirements.required_skills",
            &self.requirements.required_skills,
            64,
            MAX_ID_LEN,
        )?;
        check_list(
            "requirements.excluded_workers",
            &self.requirements.excluded_workers,
            64,
            42,
        )?;
        if let Some(w) = self.requirements.excluded_workers.iter().find(|w| {
            !w.strip_prefix("0x")
                .is_some_and(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        }) {
            return Err(MessageError::invalid(
                "requirements.excluded_workers",
                format!("{w:?} is not an address (0x + 40 hex digits)"),
            ));
        }
        if self.requirements.deadline_ms == 0 {
            return Err(MessageError::invalid(
                "requirements.deadline_ms",
                "must be > 0",
            ));
        }
        self.payment.check("payment")?;
        if self.max_delegation_depth > MAX_DELEGATION_DEPTH {
            return Err(MessageError::invalid(
                "max_delegation_depth",
                format!("above {MAX_DELEGATION_DEPTH}"),
            ));
        }
        if !self.delegation_allowed && self.max_delegation_depth != 0 {
            return Err(MessageError::invalid(
                "max_delegation_depth",
                "must be 0 when delegation_allowed is false",
            ));
        }
        if let Some(a) = &self.acceptance {
            a.validate()?;
        }
        Ok(())
    }
}

impl SignedMessage for TaskSpec {
    const DOMAIN: &'static str = "aos/task-spec/v1";

    fn signer(&self) -> &AgentId {
        &self.requester
    }

    fn signature(&self) -> Option<&AgentSignature> {
        self.signature.as_ref()
    }

    fn set_signature(&mut self, sig: Option<AgentSignature>) {
        self.signature = sig;
    }
}
