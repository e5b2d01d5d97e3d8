//! The planner (white paper §3.3): the local model turns a user request into a plan of
//! 1..N sub-tasks, as JSON under a JSON Schema, grammar-constrained (aos-llm's fast path).
//!
//! The model proposes each step's id, type, description, privacy flag and token estimate;
//! money is not the model's call: the request's budget is split over the steps in
//! proportion to their token estimates. The output is parsed with serde and validated
//! ([`Plan`] rules); steps whose descriptions match (after normalisation, or ≥ 0.9
//! similar) are merged, whatever their types (the first type is kept). A plan that does not parse or validate falls
//! back to a one-step `simple_analysis` plan of the whole request, and
//! [`PlanOutcome::fallback`] says why, so the user sees that it did.

use std::collections::BTreeMap;

use aos_llm::{ChatMessage, GenOptions, LocalClient, Role, json_schema_to_grammar};
use aos_protocol::messages::{Message, Plan, PlanStep, StepType};
use serde::{Deserialize, Serialize};

use crate::aggregate::agreement;

/// Step types the planner may use (white paper §3.3, §4.2).
pub const STEP_TYPES: [&str; 8] = [
    "complex_reasoning",
    "fast_generation",
    "social_sentiment",
    "image_analysis",
    "long_document",
    "simple_analysis",
    "code_generation",
    "human_task",
];

/// Most steps the model may propose (bounds the grammar so output stays complete).
pub const MAX_STEPS: usize = 4;

/// The JSON Schema the model's output must follow (bounded: `maxItems`, `maxLength`).
pub fn plan_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "steps": {
                "type": "array", "minItems": 1, "maxItems": MAX_STEPS,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "pattern": "^s[1-9]$"},
                        "type": {"type": "string", "enum": STEP_TYPES},
                        "description": {"type": "string", "minLength": 8, "maxLength": 160},
                        "privacy_required": {"type": "boolean"},
                        "estimated_tokens": {"type": "integer", "minimum": 16, "maximum": 200000}
                    },
                    "required": ["id", "type", "description", "privacy_required", "estimated_tokens"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["steps"],
        "additionalProperties": false
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    /// Parsed so the output must have it; steps are renumbered after merging.
    #[allow(dead_code)]
    id: String,
    #[serde(rename = "type")]
    step_type: String,
    description: String,
    privacy_required: bool,
    estimated_tokens: u64,
}

const SYSTEM: &str = "You are the planner of an AI task market. Split the user's request into \
1 to 4 sub-tasks that different models or workers can do. Answer only with JSON. \
Step types: complex_reasoning, fast_generation, social_sentiment, image_analysis, long_document, \
simple_analysis, code_generation, human_task. Set privacy_required true when the step handles \
personal or confidential data.\n\
Example (for a different request, \"Review this contract and draft a reply\"):\n\
{\"steps\":[{\"id\":\"s1\",\"type\":\"complex_reasoning\",\"description\":\"Identify risky clauses in the contract\",\"privacy_required\":true,\"estimated_tokens\":3000},\
{\"id\":\"s2\",\"type\":\"fast_generation\",\"description\":\"Draft a polite reply proposing changes\",\"privacy_required\":false,\"estimated_tokens\":800}]}";

/// A plan and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanOutcome {
    /// The validated plan.
    pub plan: Plan,
    /// Why the one-step fallback was used, if it was.
    pub fallback: Option<String>,
    /// Steps merged as duplicates.
    pub merged_duplicates: usize,
    /// The model's raw output.
    pub raw: String,
    /// Generation speed, tokens/s.
    pub tokens_per_second: f64,
    /// Step id → why the step is private (stays on the local model) or public (may leave
    /// the machine, stripped of PII): `--private`, `--public`, the planner's flag and what
    /// the PII detector found ([`privacy_reasons`]).
    pub privacy: BTreeMap<String, String>,
}

/// Planner options.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerOptions {
    /// Total budget for the request, USD.
    pub budget_usd: f64,
    /// Force every step to stay local.
    pub private: bool,
    /// The requester declares the request shareable: the model's `privacy_required` flags
    /// are cleared (small models copy the prompt's example flag). Prompts are still
    /// stripped of PII on delegation unless the delegation options say otherwise.
    /// `private` wins over it.
    pub public: bool,
    /// Output token limit for the plan JSON.
    pub max_tokens: u32,
    /// The model's `privacy_required` flag stands only when the PII detector
    /// ([`crate::strip_pii`]) finds personal data in the request: a small model's guess
    /// alone does not keep a step off the market. `private` and `public` win over it.
    pub confirm_privacy: bool,
}

impl Default for PlannerOptions {
    fn default() -> Self {
        Self {
            budget_usd: 0.10,
            private: false,
            public: false,
            max_tokens: 384,
            confirm_privacy: false,
        }
    }
}

/// Plans requests with a local model (through aos-llm's model actor).
#[derive(Debug)]
pub struct Planner<'m> {
    model: &'m LocalClient,
    grammar: String,
}

/// Planning failed outright (the model could not run at all).
#[derive(Debug, thiserror::Error)]
pub enum PlannerError {
    /// The request is empty or too long.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The local model failed.
    #[error(transparent)]
    Model(#[from] aos_llm::LlmError),
}

/// What the PII detector finds in `request`, as `kind: count` (e.g. `name: 2, iban: 1`),
/// or `None` when it finds nothing (or cannot run, which is reported as a finding: failing
/// closed keeps the step local).
fn personal_data(request: &str) -> Option<String> {
    match crate::pii::strip_pii(request) {
        Ok(s) if s.removed.is_empty() => None,
        Ok(s) => {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            for (k, _) in &s.removed {
                *kinds.entry(k.as_str()).or_default() += 1;
            }
            Some(
                kinds
                    .iter()
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }
        Err(e) => Some(format!("the detector failed ({e})")),
    }
}

/// Apply the privacy rules to the steps' model flags (`(id, flagged by the model)`):
/// returns step id → (private?, why). Rules, first match wins: `private` → private;
/// `public` → public; not flagged → public; `confirm_privacy` → private only when the PII
/// detector finds personal data in `request`; else the model's flag stands.
pub fn privacy_reasons(
    request: &str,
    flags: &[(String, bool)],
    opts: &PlannerOptions,
) -> BTreeMap<String, (bool, String)> {
    let found = if opts.confirm_privacy && !opts.private && !opts.public {
        flags
            .iter()
            .any(|(_, f)| *f)
            .then(|| personal_data(request))
            .flatten()
    } else {
        None
    };
    flags
        .iter()
        .map(|(id, flagged)| {
            let r = if opts.private {
                (true, "private: --private keeps every step on this machine".to_owned())
            } else if opts.public {
                (
                    false,
                    if *flagged {
                        "public: the planner flagged it private, but --public declares the request shareable (prompts are stripped of PII)".to_owned()
                    } else {
                        "public: --public (prompts are stripped of PII)".to_owned()
                    },
                )
            } else if !flagged {
                (
                    false,
                    "public: the planner did not flag it private (prompts are stripped of PII)"
                        .to_owned(),
                )
            } else if opts.confirm_privacy {
                match &found {
                    Some(what) => (
                        true,
                        format!(
                            "private: the planner flagged it and the PII detector found personal data in the request ({what}); pass --public to send it with that data stripped"
                        ),
                    ),
                    None => (
                        false,
                        "public: the planner flagged it private, but the PII detector found no personal data in the request".to_owned(),
                    ),
                }
            } else {
                (
                    true,
                    "private: the planner flagged it (personal or confidential data)".to_owned(),
                )
            };
            (id.clone(), r)
        })
        .collect()
}

fn fallback_plan(request: &str, opts: &PlannerOptions) -> Plan {
    Plan {
        request: request.to_owned(),
        steps: vec![PlanStep {
            id: "s1".into(),
            step_type: StepType::SimpleAnalysis,
            description: "Answer the whole request in one step".into(),
            privacy_required: opts.private,
            estimated_tokens: (request.len() as u64 / 4 + 512).min(200_000),
            budget: opts.budget_usd,
            acceptance: None,
        }],
    }
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Turn the model's JSON into a validated plan: dedupe, split the budget, validate.
/// Returns the plan and how many steps were merged.
///
/// # Errors
/// A message saying why the output is unusable.
pub fn plan_from_json(
    request: &str,
    raw: &str,
    opts: &PlannerOptions,
) -> Result<(Plan, usize), String> {
    plan_with_privacy(request, raw, opts).map(|(p, m, _)| (p, m))
}

/// [`plan_from_json`] and each step's privacy reason ([`privacy_reasons`]).
fn plan_with_privacy(
    request: &str,
    raw: &str,
    opts: &PlannerOptions,
) -> Result<(Plan, usize, BTreeMap<String, String>), String> {
    let parsed: RawPlan =
        serde_json::from_str(raw.trim()).map_err(|e| format!("output is not plan JSON: {e}"))?;
    if parsed.steps.is_empty() {
        return Err("the plan has no steps".into());
    }
    let mut steps: Vec<RawStep> = Vec::new();
    let mut merged = 0;
    for s in parsed.steps {
        if !STEP_TYPES.contains(&s.step_type.as_str()) {
            return Err(format!("unknown step type {:?}", s.step_type));
        }
        // the same work under two types is still the same work: merge on the description
        let dup = steps.iter_mut().find(|k| {
            norm(&k.description) == norm(&s.description)
                || agreement(&k.description, &s.description) >= 0.9
        });
        match dup {
            Some(k) => {
                k.estimated_tokens = k.estimated_tokens.max(s.estimated_tokens);
                k.privacy_required |= s.privacy_required;
                merged += 1;
            }
            None => steps.push(s),
        }
    }
    let total_tokens: u64 = steps.iter().map(|s| s.estimated_tokens.max(1)).sum();
    let flags: Vec<(String, bool)> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("s{}", i + 1), s.privacy_required))
        .collect();
    let privacy = privacy_reasons(request, &flags, opts);
    let plan = Plan {
        request: request.to_owned(),
        steps: steps
            .into_iter()
            .enumerate()
            .map(|(i, s)| PlanStep {
                // ids renumbered so merges and model slips never leave duplicates
                id: format!("s{}", i + 1),
                step_type: StepType::from(s.step_type),
                description: s.description,
                privacy_required: privacy.get(&format!("s{}", i + 1)).is_some_and(|(p, _)| *p),
                budget: opts.budget_usd * s.estimated_tokens.max(1) as f64 / total_tokens as f64,
                estimated_tokens: s.estimated_tokens,
                acceptance: None,
            })
            .collect(),
    };
    plan.validate()
        .map_err(|e| format!("plan fails validation: {e}"))?;
    let reasons = privacy
        .into_iter()
        .map(|(id, (_, why))| (id, why))
        .collect();
    Ok((plan, merged, reasons))
}

impl<'m> Planner<'m> {
    /// A planner on `model`.
    ///
    /// # Panics
    /// Never in practice: the built-in schema always converts to a grammar.
    pub fn new(model: &'m LocalClient) -> Self {
        let grammar = json_schema_to_grammar(&plan_schema().to_string())
            .expect("the plan schema converts to GBNF");
        Self { model, grammar }
    }

    /// Plan `request` (module docs). Never fails on bad model output: that falls back.
    ///
    /// # Errors
    /// [`PlannerError::BadRequest`] for an empty request, [`PlannerError::Model`] when the
    /// model cannot run (e.g. the request overflows its context).
    pub async fn plan(
        &self,
        request: &str,
        opts: &PlannerOptions,
    ) -> Result<PlanOutcome, PlannerError> {
        if request.trim().is_empty() {
            return Err(PlannerError::BadRequest("empty request".into()));
        }
        let g = self
            .model
            .chat(
                vec![
                    ChatMessage::new(Role::System, SYSTEM),
                    ChatMessage::new(Role::User, request),
                ],
                GenOptions {
                    max_tokens: opts.max_tokens,
                    grammar: Some(self.grammar.clone()),
                    ..GenOptions::default()
                },
            )
            .await?;
        let tps = g.tokens_per_second();
        match plan_with_privacy(request, &g.text, opts) {
            Ok((plan, merged, privacy)) => Ok(PlanOutcome {
                privacy,
                plan,
                fallback: None,
                merged_duplicates: merged,
                raw: g.text,
                tokens_per_second: tps,
            }),
            Err(why) => {
                let why = if g.truncated {
                    format!("{why} (output hit the {}-token limit)", opts.max_tokens)
                } else {
                    why
                };
                let plan = fallback_plan(request, opts);
                let privacy = privacy_reasons(request, &[("s1".to_owned(), false)], opts)
                    .into_iter()
                    .map(|(id, (_, why))| (id, why))
                    .collect();
                Ok(PlanOutcome {
                    privacy,
                    plan,
                    fallback: Some(why),
                    merged_duplicates: 0,
                    raw: g.text,
                    tokens_per_second: tps,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: PlannerOptions = PlannerOptions {
        budget_usd: 1.0,
        private: false,
        public: false,
        max_tokens: 384,
        confirm_privacy: false,
    };

    /// Regression (issue 12): `aos ask` without `--public` kept every step local because
    /// the planner's model flags steps private on its own. With `confirm_privacy` (what
    /// `aos-coordinator ask` uses) a flag stands only when the request holds personal data,
    /// and each step says why.
    #[test]
    fn a_model_flag_needs_personal_data_to_keep_a_step_local() {
        let raw = r#"{"steps":[{"id":"s1","type":"simple_analysis","description":"Summarise the report","privacy_required":true,"estimated_tokens":500}]}"#;
        let opts = PlannerOptions {
            confirm_privacy: true,
            ..OPTS
        };
        let clean = "Summarise the outage timeline and list three follow-ups.";
        let (plan, _, why) = plan_with_privacy(clean, raw, &opts).unwrap();
        assert!(!plan.steps[0].privacy_required, "{why:?}");
        assert!(why["s1"].contains("found no personal data"), "{why:?}");
        let personal = "Summarise the complaint of Maria Okafor (maria.okafor@example.org).";
        let (plan, _, why) = plan_with_privacy(personal, raw, &opts).unwrap();
        assert!(plan.steps[0].privacy_required);
        assert!(
            why["s1"].contains("email: 1") && why["s1"].contains("--public"),
            "{why:?}"
        );
    }

    #[test]
    fn duplicates_merge_and_budget_splits_by_tokens() {
        let raw = r#"{"steps":[
            {"id":"s1","type":"simple_analysis","description":"Summarise the report","privacy_required":false,"estimated_tokens":3000},
            {"id":"s1","type":"simple_analysis","description":"summarise  the report","privacy_required":true,"estimated_tokens":1000},
            {"id":"s2","type":"fast_generation","description":"List three urgent follow-ups","privacy_required":false,"estimated_tokens":1000}]}"#;
        let (plan, merged) = plan_from_json("r", raw, &OPTS).unwrap();
        assert_eq!(merged, 1);
        assert_eq!(plan.steps.len(), 2);
        assert_eq!(plan.steps[0].id, "s1");
        assert_eq!(plan.steps[1].id, "s2");
        assert!(
            plan.steps[0].privacy_required,
            "a merged step keeps the stricter privacy"
        );
        assert!((plan.steps[0].budget - 0.75).abs() < 1e-9);
        assert!((plan.steps.iter().map(|s| s.budget).sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn bad_output_is_rejected_with_a_reason() {
        assert!(
            plan_from_json("r", "{", &OPTS)
                .unwrap_err()
                .contains("not plan JSON")
        );
        assert!(
            plan_from_json("r", r#"{"steps":[]}"#, &OPTS)
                .unwrap_err()
                .contains("no steps")
        );
        let bad_type = r#"{"steps":[{"id":"s1","type":"teleport","description":"go somewhere","privacy_required":false,"estimated_tokens":20}]}"#;
        assert!(
            plan_from_json("r", bad_type, &OPTS)
                .unwrap_err()
                .contains("teleport")
        );
        let extra = r#"{"steps":[{"id":"s1","type":"simple_analysis","description":"x","privacy_required":false,"estimated_tokens":20,"cost":1}]}"#;
        assert!(plan_from_json("r", extra, &OPTS).is_err());
    }

    #[test]
    fn private_forces_every_step_local() {
        let raw = r#"{"steps":[{"id":"s1","type":"complex_reasoning","description":"Analyse the numbers","privacy_required":false,"estimated_tokens":500}]}"#;
        let (plan, _) = plan_from_json(
            "r",
            raw,
            &PlannerOptions {
                private: true,
                ..OPTS
            },
        )
        .unwrap();
        assert!(plan.steps.iter().all(|s| s.privacy_required));
    }

    #[test]
    fn public_clears_the_models_privacy_flags_and_private_wins() {
        let raw = r#"{"steps":[{"id":"s1","type":"simple_analysis","description":"Summarise","privacy_required":true,"estimated_tokens":500}]}"#;
        let public = PlannerOptions {
            public: true,
            ..OPTS
        };
        let (plan, _) = plan_from_json("r", raw, &public).unwrap();
        assert!(!plan.steps[0].privacy_required);
        let (plan, _) = plan_from_json("r", raw, &OPTS).unwrap();
        assert!(plan.steps[0].privacy_required);
        let both = PlannerOptions {
            private: true,
            ..public
        };
        let (plan, _) = plan_from_json("r", raw, &both).unwrap();
        assert!(plan.steps[0].privacy_required);
    }
}
