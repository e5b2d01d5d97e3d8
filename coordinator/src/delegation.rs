//! Delegation (white paper §4.3): a signed message handing one plan step to a service, with
//! budget, timeout, privacy (`allow_logging`, `strip_pii`) and a callback. When `strip_pii`
//! is set, the prompt is cleaned by [`strip_pii`](crate::pii::strip_pii) **before** the
//! message is built, so nothing personal is in what leaves the machine — not even in the
//! signed record.

use aos_protocol::{
    AgentKey, ContentId, SignError, SignedMessage,
    messages::{
        DelegatedTask, Delegation, DelegationBudget, Message, MessageError, PlanStep, Privacy,
    },
};

use crate::{pii::PiiError, pii::strip_pii, router::RouteDecision};

/// Building a delegation failed.
#[derive(Debug, thiserror::Error)]
pub enum DelegationError {
    /// PII detection failed: nothing is sent.
    #[error(transparent)]
    Pii(#[from] PiiError),
    /// The message is invalid.
    #[error(transparent)]
    Invalid(#[from] MessageError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// Options of one delegation.
#[derive(Debug, Clone, PartialEq)]
pub struct DelegationOptions {
    /// Output token limit.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f64,
    /// Timeout, ms.
    pub timeout_ms: u64,
    /// Whether the service may log the prompt.
    pub allow_logging: bool,
    /// Remove personal data before sending.
    pub strip_pii: bool,
    /// Where results go (e.g. `libp2p://<peer id>/aos/results`).
    pub callback: String,
}

impl Default for DelegationOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            temperature: 0.3,
            timeout_ms: 60_000,
            allow_logging: false,
            strip_pii: true,
            callback: String::new(),
        }
    }
}

/// A delegation ready to send, and what was stripped from it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedDelegation {
    /// The signed message.
    pub delegation: Delegation,
    /// `(kind, original)` of each removed detail (kept locally, never sent).
    pub removed: Vec<(String, String)>,
}

/// Build and sign the delegation of `step` (with `prompt`) to `route.service`.
/// `delegation_id` is `blake3:<id of the canonical unsigned message>`.
///
/// # Errors
/// [`DelegationError`]; on any error nothing may be sent.
pub fn prepare(
    key: &AgentKey,
    step: &PlanStep,
    route: &RouteDecision,
    prompt: &str,
    opts: &DelegationOptions,
) -> Result<PreparedDelegation, DelegationError> {
    let (prompt, removed) = if opts.strip_pii {
        let s = strip_pii(prompt)?;
        (s.text, s.removed)
    } else {
        (prompt.to_owned(), Vec::new())
    };
    let mut d = Delegation {
        delegation_id: String::new(),
        from_agent: key.agent_id(),
        to_service: route.service.clone(),
        task: DelegatedTask {
            task_type: step.step_type.to_string(),
            prompt,
            max_tokens: opts.max_tokens,
            temperature: opts.temperature,
            acceptance: step.acceptance.clone(),
        },
        budget: DelegationBudget {
            max_cost: step.budget,
            currency: "USD".into(),
        },
        timeout_ms: opts.timeout_ms,
        privacy: Privacy {
            allow_logging: opts.allow_logging,
            strip_pii: opts.strip_pii,
        },
        callback: opts.callback.clone(),
        signature: None,
    };
    d.delegation_id = ContentId::of(&d.signing_bytes()?).to_blake3_string();
    d.validate()?;
    d.sign_with(key)?;
    Ok(PreparedDelegation {
        delegation: d,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use aos_protocol::messages::StepType;

    use super::*;
    use crate::registry::ServiceKind;

    #[test]
    fn signed_and_stripped() {
        let key = AgentKey::generate();
        let step = PlanStep {
            id: "s1".into(),
            step_type: StepType::ComplexReasoning,
            description: "d".into(),
            privacy_required: false,
            estimated_tokens: 100,
            budget: 0.05,
            acceptance: None,
        };
        let route = RouteDecision {
            step_id: "s1".into(),
            service: "claude-opus".into(),
            kind: ServiceKind::Cloud,
            reason: "r".into(),
            estimated_cost_usd: 0.0,
            estimated_latency_ms: 0,
        };
        let p = prepare(
            &key,
            &step,
            &route,
            "Ask Maria Okafor (maria@example.org) why.",
            &DelegationOptions::default(),
        )
        .unwrap();
        assert!(
            !p.delegation.task.prompt.contains("Maria")
                && !p.delegation.task.prompt.contains("maria@")
        );
        assert_eq!(p.removed.len(), 2, "{:?}", p.removed);
        p.delegation.verify_signature().unwrap();
        assert!(p.delegation.delegation_id.starts_with("blake3:"));
        let mut tampered = p.delegation;
        tampered.task.prompt.push('!');
        assert!(tampered.verify_signature().is_err());
    }
}
