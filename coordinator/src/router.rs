//! Routing (white paper §4.2): the paper's rules first, then cost/latency/karma optimisation
//! within the step's budget. Every decision carries a human-readable reason.
//!
//! Rules, in order (a rule whose service is missing or unavailable falls through, and the
//! reason says so):
//! 1. `privacy_required` → the local model;
//! 2. `complex_reasoning` with budget > $0.01 → `claude-opus`;
//! 3. `social_sentiment` → `grok-2`;
//! 4. `image_analysis` → `gpt-4o`;
//! 5. `long_document` over 100,000 tokens → `gemini-pro`;
//! 6. otherwise `optimize_for_budget`: among available services whose context holds the
//!    step and whose cost (`cost_per_1k_tokens × tokens / 1000`) fits the budget, the highest
//!    `score = 1.0·fit + 0.5·karma − 0.3·cost/budget − 0.2·latency/max_latency`, where `fit`
//!    is 1 when `best_for` lists the step type. Ties go to the cheaper service. When nothing
//!    fits, the local model (cost 0) is the fallback if the step fits its context.
//!
//! [`Router::prefer`] (the coordinator's `--prefer-mesh`) narrows rules 2–6 to one kind of
//! service while one of that kind is usable and fits: an operator who wants every public
//! step to go to the market (paid, staked, karma-tracked) rather than to its own model.
//! Rule 1 still wins: a private step never leaves the machine.

use std::collections::BTreeSet;

use aos_protocol::messages::{PlanStep, StepType};
use serde::Serialize;

use crate::registry::{LlmRegistry, ServiceKind, ServiceProfile};

/// Where a step goes and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteDecision {
    /// The plan step.
    pub step_id: String,
    /// Registry name of the chosen service.
    pub service: String,
    /// local / cloud / mesh.
    pub kind: ServiceKind,
    /// Why (the rule or the optimisation's figures).
    pub reason: String,
    /// Expected cost in USD.
    pub estimated_cost_usd: f64,
    /// Expected latency in ms.
    pub estimated_latency_ms: u64,
}

/// No service can take the step.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no service can take step {step_id}: {why}")]
pub struct RouteError {
    /// The step.
    pub step_id: String,
    /// Why not.
    pub why: String,
}

/// Routes steps with a registry and the set of services usable now.
#[derive(Debug, Clone)]
pub struct Router {
    registry: LlmRegistry,
    unavailable: BTreeSet<String>,
    prefer: Option<ServiceKind>,
}

fn cost(s: &ServiceProfile, tokens: u64) -> f64 {
    s.cost_per_1k_tokens * tokens as f64 / 1000.0
}

impl Router {
    /// A router over `registry`, every service available.
    pub fn new(registry: LlmRegistry) -> Self {
        Self {
            registry,
            unavailable: BTreeSet::new(),
            prefer: None,
        }
    }

    /// Mark `service` unusable (no API key configured, down…), with the builder pattern.
    #[must_use]
    pub fn without(mut self, service: &str) -> Self {
        self.unavailable.insert(service.to_owned());
        self
    }

    /// Route every public step to a service of `kind` when one is usable and fits (module
    /// docs), with the builder pattern.
    #[must_use]
    pub fn prefer(mut self, kind: ServiceKind) -> Self {
        self.prefer = Some(kind);
        self
    }

    /// Mark every cloud service whose API key variable is unset as unavailable.
    #[must_use]
    pub fn without_unkeyed_cloud(mut self) -> Self {
        use crate::registry::Endpoint;
        for (name, s) in &self.registry.services {
            let env = match &s.endpoint {
                Endpoint::Openai { api_key_env, .. } | Endpoint::Anthropic { api_key_env, .. } => {
                    api_key_env
                }
                _ => continue,
            };
            if std::env::var(env).map(|v| v.is_empty()).unwrap_or(true) {
                self.unavailable.insert(name.clone());
            }
        }
        self
    }

    /// The registry.
    pub fn registry(&self) -> &LlmRegistry {
        &self.registry
    }

    fn usable(&self, name: &str) -> Option<&ServiceProfile> {
        if self.unavailable.contains(name) {
            return None;
        }
        self.registry.services.get(name)
    }

    fn decision(&self, step: &PlanStep, name: &str, reason: String) -> RouteDecision {
        let s = &self.registry.services[name];
        RouteDecision {
            step_id: step.id.clone(),
            service: name.to_owned(),
            kind: s.kind,
            reason,
            estimated_cost_usd: cost(s, step.estimated_tokens),
            estimated_latency_ms: s.latency_ms,
        }
    }

    /// Route one step (module docs).
    ///
    /// # Errors
    /// [`RouteError`] when no service fits (not even the local model's context).
    pub fn route(&self, step: &PlanStep) -> Result<RouteDecision, RouteError> {
        let mut notes = Vec::new();
        if step.privacy_required {
            return match self
                .registry
                .local()
                .filter(|(n, _)| self.usable(n).is_some())
            {
                Some((n, _)) => Ok(self.decision(
                    step,
                    n,
                    "§4.2: privacy_required — the step stays on the local model".into(),
                )),
                None => Err(RouteError {
                    step_id: step.id.clone(),
                    why: "privacy_required but no local model is available".into(),
                }),
            };
        }
        if let Some(kind) = self.prefer {
            let mut best: Option<(f64, &str)> = None;
            for (name, s) in &self.registry.services {
                if s.kind != kind
                    || self.usable(name).is_none()
                    || s.max_context < step.estimated_tokens
                {
                    continue;
                }
                if best.is_none_or(|(k, _)| s.karma > k) {
                    best = Some((s.karma, name));
                }
            }
            if let Some((karma, name)) = best {
                return Ok(self.decision(
                    step,
                    name,
                    format!(
                        "preferred kind {kind:?}: {name} has the highest karma ({karma:.2}); \
                         a mesh step is an open task, so whichever worker claims first takes it"
                    ),
                ));
            }
            notes.push(format!("no usable {kind:?} service fits; routing as usual"));
        }
        let rule = match &step.step_type {
            StepType::ComplexReasoning if step.budget > 0.01 => Some((
                "claude-opus",
                format!(
                    "§4.2: complex_reasoning with budget ${:.4} > $0.01",
                    step.budget
                ),
            )),
            StepType::SocialSentiment => {
                Some(("grok-2", "§4.2: social_sentiment → real-time model".into()))
            }
            StepType::ImageAnalysis => {
                Some(("gpt-4o", "§4.2: image_analysis → multimodal model".into()))
            }
            StepType::LongDocument if step.estimated_tokens > 100_000 => Some((
                "gemini-pro",
                format!(
                    "§4.2: long_document of {} tokens > 100,000 → long-context model",
                    step.estimated_tokens
                ),
            )),
            _ => None,
        };
        if let Some((name, why)) = rule {
            match self.usable(name) {
                Some(s) if s.max_context >= step.estimated_tokens => {
                    return Ok(self.decision(step, name, why));
                }
                Some(_) => notes.push(format!("{why}, but {name}'s context is too small")),
                None => notes.push(format!("{why}, but {name} is unavailable")),
            }
        }
        self.optimize_for_budget(step, notes)
    }

    fn optimize_for_budget(
        &self,
        step: &PlanStep,
        mut notes: Vec<String>,
    ) -> Result<RouteDecision, RouteError> {
        let max_latency = self
            .registry
            .services
            .values()
            .map(|s| s.latency_ms)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let ty = step.step_type.as_str();
        let mut best: Option<(f64, f64, &str)> = None;
        for (name, s) in &self.registry.services {
            if self.usable(name).is_none() || s.max_context < step.estimated_tokens {
                continue;
            }
            let c = cost(s, step.estimated_tokens);
            if c > step.budget {
                continue;
            }
            let fit = if s.best_for.iter().any(|b| b == ty) {
                1.0
            } else {
                0.0
            };
            let cost_term = if step.budget > 0.0 {
                c / step.budget
            } else {
                0.0
            };
            let score =
                fit + 0.5 * s.karma - 0.3 * cost_term - 0.2 * s.latency_ms as f64 / max_latency;
            let better = match best {
                None => true,
                Some((bs, bc, _)) => score > bs + 1e-12 || ((score - bs).abs() <= 1e-12 && c < bc),
            };
            if better {
                best = Some((score, c, name));
            }
        }
        if let Some((score, c, name)) = best {
            let s = &self.registry.services[name];
            notes.push(format!(
                "optimize_for_budget: best score {score:.3} (fit {}, karma {:.2}, cost ${c:.4} of ${:.4}, latency {} ms)",
                if s.best_for.iter().any(|b| b == ty) { "yes" } else { "no" },
                s.karma,
                step.budget,
                s.latency_ms
            ));
            return Ok(self.decision(step, name, notes.join("; ")));
        }
        if let Some((n, s)) = self.registry.local()
            && self.usable(n).is_some()
            && s.max_context >= step.estimated_tokens
        {
            notes.push("nothing else fits the budget: local model (cost 0)".into());
            return Ok(self.decision(step, n, notes.join("; ")));
        }
        Err(RouteError {
            step_id: step.id.clone(),
            why: format!(
                "no available service holds {} tokens within ${:.4}",
                step.estimated_tokens, step.budget
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(ty: &str, tokens: u64, budget: f64, private: bool) -> PlanStep {
        PlanStep {
            id: "s1".into(),
            step_type: StepType::from(ty.to_owned()),
            description: "d".into(),
            privacy_required: private,
            estimated_tokens: tokens,
            budget,
            acceptance: None,
        }
    }

    fn router() -> Router {
        Router::new(LlmRegistry::default_registry())
    }

    #[test]
    fn section_4_2_table() {
        let r = router();
        let cases = [
            (step("complex_reasoning", 2000, 0.5, true), "wasm-llama"),
            (step("complex_reasoning", 2000, 0.5, false), "claude-opus"),
            (step("social_sentiment", 2000, 0.5, false), "grok-2"),
            (step("image_analysis", 2000, 0.5, false), "gpt-4o"),
            (step("long_document", 150_000, 5.0, false), "gemini-pro"),
            (step("social_sentiment", 2000, 0.5, true), "wasm-llama"),
        ];
        for (s, want) in cases {
            let d = r.route(&s).unwrap();
            assert_eq!(d.service, want, "{s:?}: {}", d.reason);
            assert!(d.reason.contains("§4.2"), "{}", d.reason);
        }
    }

    #[test]
    fn budget_edges() {
        let r = router();
        // exactly $0.01 is not "> 0.01": the rule does not fire, optimisation decides
        let d = r
            .route(&step("complex_reasoning", 1000, 0.01, false))
            .unwrap();
        assert_ne!(d.service, "claude-opus", "{}", d.reason);
        assert!(d.estimated_cost_usd <= 0.01);
        // a zero budget only fits the free local model
        let d = r.route(&step("fast_generation", 1000, 0.0, false)).unwrap();
        assert_eq!(d.service, "wasm-llama", "{}", d.reason);
        // long_document at 100,000 tokens exactly: rule needs > 100k
        let d = r
            .route(&step("long_document", 100_000, 10.0, false))
            .unwrap();
        assert!(!d.reason.contains("§4.2: long_document"), "{}", d.reason);
        // too big for every context within budget
        let e = r
            .route(&step("long_document", 2_000_000, 100.0, false))
            .unwrap_err();
        assert!(e.why.contains("2000000 tokens"), "{e}");
        // fast_generation with a budget: gpt-4o lists it in best_for
        let d = r.route(&step("fast_generation", 1000, 1.0, false)).unwrap();
        assert_eq!(d.service, "gpt-4o", "{}", d.reason);
    }

    #[test]
    fn unavailable_rule_target_falls_through_with_reason() {
        let r = router().without("claude-opus");
        let d = r
            .route(&step("complex_reasoning", 2000, 0.5, false))
            .unwrap();
        assert_ne!(d.service, "claude-opus");
        assert!(
            d.reason.contains("claude-opus is unavailable"),
            "{}",
            d.reason
        );
        let r = router().without("wasm-llama");
        assert!(r.route(&step("x", 10, 0.0, true)).is_err());
    }

    #[test]
    fn prefer_mesh_takes_public_steps_but_not_private_ones() {
        let mut reg = LlmRegistry::default_registry();
        reg.add_mesh_worker("0xaaa", "summarisation", 0.3, 0.0);
        reg.add_mesh_worker("0xbbb", "summarisation", 0.7, 0.0);
        let r = Router::new(reg).prefer(ServiceKind::Mesh);
        let d = r
            .route(&step("complex_reasoning", 500, 1.0, false))
            .unwrap();
        assert_eq!(d.service, "mesh:0xbbb", "{}", d.reason);
        let d = r.route(&step("summarisation", 500, 1.0, true)).unwrap();
        assert_eq!(d.kind, ServiceKind::Local, "{}", d.reason);
        let none = Router::new(LlmRegistry::default_registry()).prefer(ServiceKind::Mesh);
        let d = none.route(&step("summarisation", 500, 1.0, false)).unwrap();
        assert_ne!(d.kind, ServiceKind::Mesh);
        assert!(d.reason.contains("no usable Mesh"), "{}", d.reason);
    }

    #[test]
    fn karma_breaks_between_mesh_workers() {
        let mut reg = LlmRegistry::default_registry();
        reg.add_mesh_worker("0xaaa", "summarisation", 0.9, 0.0001);
        reg.add_mesh_worker("0xbbb", "summarisation", 0.2, 0.0001);
        let r = Router::new(reg)
            .without("gpt-4o")
            .without("claude-opus")
            .without("gemini-pro")
            .without("grok-2");
        let d = r.route(&step("summarisation", 1000, 0.01, false)).unwrap();
        assert_eq!(d.service, "mesh:0xaaa", "{}", d.reason);
    }
}
