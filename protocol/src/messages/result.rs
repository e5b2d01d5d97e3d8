//! Task results.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{MAX_ID_LEN, Message, check_str};
use super::error::MessageError;
use crate::content::ContentId;
use crate::identity::AgentId;

/// What produced the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Executor {
    /// Executor kind: `"local_llama"`, `"cloud_llm"`, `"human"`, …
    pub kind: String,
    /// Model or service name, e.g. `"SmolLM2-135M-Instruct"`, `"claude-opus"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// When the work ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// Start, Unix ms.
    pub started_at_ms: u64,
    /// End, Unix ms (≥ start).
    pub finished_at_ms: u64,
    /// Tokens read, if an LLM ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Tokens generated, if an LLM ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
}

/// A worker's result announcement. The result blob is stored under `result`; its hash is
/// what the worker submits on chain. Authenticated by the envelope it travels in.
///
/// Rules: `task_id` non-empty ≤ 128 bytes; executor kind non-empty, model ≤ 128 bytes;
/// `finished_at_ms ≥ started_at_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskResult {
    /// The task answered.
    pub task_id: String,
    /// Who did it.
    pub worker: AgentId,
    /// BLAKE3 id of the full result blob (on chain `resultHash`).
    pub result: ContentId,
    /// Inline output (may be a summary of the blob), free JSON.
    pub output: serde_json::Value,
    /// What ran.
    pub executor: Executor,
    /// When.
    pub timing: Timing,
}

impl Message for TaskResult {
    const NAME: &'static str = "task_result";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("task_id", &self.task_id, MAX_ID_LEN, true)?;
        check_str("executor.kind", &self.executor.kind, MAX_ID_LEN, true)?;
        if let Some(m) = &self.executor.model {
            check_str("executor.model", m, MAX_ID_LEN, true)?;
        }
        if self.timing.finished_at_ms < self.timing.started_at_ms {
            return Err(MessageError::invalid(
                "timing",
                "finished before it started",
            ));
        }
        Ok(())
    }
}
