//! Coordinator plans (white paper §3.3 data flow, §4.2 routing by step type).

use std::collections::BTreeSet;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::acceptance::Acceptance;
use super::common::{MAX_ID_LEN, MAX_TEXT_LEN, Message, check_nonneg, check_str};
use super::error::MessageError;

/// Most steps in one plan.
pub const MAX_PLAN_STEPS: usize = 64;

/// A step's kind, routing key of white paper §4.2. Known kinds have variants; any other
/// non-empty snake_case name is kept as [`StepType::Other`]. Serialised as its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(from = "String", into = "String")]
#[schemars(with = "String")]
pub enum StepType {
    /// `complex_reasoning`
    ComplexReasoning,
    /// `fast_generation`
    FastGeneration,
    /// `social_sentiment`
    SocialSentiment,
    /// `image_analysis`
    ImageAnalysis,
    /// `long_document`
    LongDocument,
    /// `simple_analysis`
    SimpleAnalysis,
    /// `code_generation`
    CodeGeneration,
    /// `human_task`
    HumanTask,
    /// Any other name.
    Other(String),
}

impl StepType {
    /// The snake_case name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ComplexReasoning => "complex_reasoning",
            Self::FastGeneration => "fast_generation",
            Self::SocialSentiment => "social_sentiment",
            Self::ImageAnalysis => "image_analysis",
            Self::LongDocument => "long_document",
            Self::SimpleAnalysis => "simple_analysis",
            Self::CodeGeneration => "code_generation",
            Self::HumanTask => "human_task",
            Self::Other(s) => s,
        }
    }
}

impl From<String> for StepType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "complex_reasoning" => Self::ComplexReasoning,
            "fast_generation" => Self::FastGeneration,
            "social_sentiment" => Self::SocialSentiment,
            "image_analysis" => Self::ImageAnalysis,
            "long_document" => Self::LongDocument,
            "simple_analysis" => Self::SimpleAnalysis,
            "code_generation" => Self::CodeGeneration,
            "human_task" => Self::HumanTask,
            _ => Self::Other(s),
        }
    }
}

impl From<StepType> for String {
    fn from(t: StepType) -> Self {
        t.as_str().to_owned()
    }
}

impl fmt::Display for StepType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    /// Step id, unique in the plan.
    pub id: String,
    /// Kind (routing key).
    #[serde(rename = "type")]
    pub step_type: StepType,
    /// What to do.
    pub description: String,
    /// Must stay on the local model (white paper §4.2).
    pub privacy_required: bool,
    /// Expected tokens (prompt + output).
    pub estimated_tokens: u64,
    /// Spending cap for the step, USD display units.
    pub budget: f64,
    /// How the step's answer is judged (issue 13): carried into the delegation and the
    /// market task's spec. Plans the model writes have none; a plan file may set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
}

/// A plan for a user request (white paper §3.3).
///
/// Rules: request non-empty ≤ 256 KiB; 1..=64 steps; step ids unique, non-empty, ≤ 128
/// bytes; step types lowercase `a-z0-9_`; budgets finite ≥ 0; acceptance criteria, when
/// present, valid by [`Acceptance::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The user's request.
    pub request: String,
    /// Steps in order.
    pub steps: Vec<PlanStep>,
}

impl Message for Plan {
    const NAME: &'static str = "plan";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("request", &self.request, MAX_TEXT_LEN, true)?;
        if self.steps.is_empty() || self.steps.len() > MAX_PLAN_STEPS {
            return Err(MessageError::invalid(
                "steps",
                format!("need 1..={MAX_PLAN_STEPS}"),
            ));
        }
        let mut ids = BTreeSet::new();
        for s in &self.steps {
            check_str("steps.id", &s.id, MAX_ID_LEN, true)?;
            if !ids.insert(s.id.as_str()) {
                return Err(MessageError::invalid(
                    "steps.id",
                    format!("duplicate {:?}", s.id),
                ));
            }
            let t = s.step_type.as_str();
            if t.is_empty()
                || t.len() > MAX_ID_LEN
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(MessageError::invalid("steps.type", "must be a-z0-9_"));
            }
            check_str("steps.description", &s.description, MAX_TEXT_LEN, false)?;
            check_nonneg("steps.budget", s.budget)?;
            if let Some(a) = &s.acceptance {
                a.validate()?;
            }
        }
        Ok(())
    }
}
