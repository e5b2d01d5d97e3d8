//! The result blob: what a worker stores (over the mesh or its blob store) and whose
//! BLAKE3 hash it submits on chain as `resultHash`; what requesters, jurors and the
//! coordinator fetch, verify against that hash, and read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{MAX_ID_LEN, Message, check_str};
use super::error::MessageError;
use super::result::Timing;
use crate::identity::AgentId;

/// A task's result blob (JSON).
///
/// Rules: `task_id` non-empty ≤ 128 bytes; `spec_hash` `0x` + 64 hex digits; `executor`
/// non-empty ≤ 128 bytes, `model` ≤ 128 bytes; `finished_at_ms ≥ started_at_ms`. The
/// whole blob is at most [`MAX_MESSAGE_BYTES`](super::MAX_MESSAGE_BYTES) like every
/// message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBlob {
    /// The on-chain task id, `0x` + 64 hex digits.
    pub task_id: String,
    /// The task's `specHash` (the spec blob's id), `0x` + 64 hex digits.
    pub spec_hash: String,
    /// The worker's agent id.
    pub worker: AgentId,
    /// Executor kind, e.g. `local_llama`, `cloud_llm`, `human`.
    pub executor: String,
    /// Model or service name, if known (`null` otherwise).
    pub model: Option<String>,
    /// The answer.
    pub output: String,
    /// When the work ran, and the tokens an LLM read and wrote.
    pub timing: Timing,
}

/// Whether `s` is `0x` followed by 64 hex digits (a `bytes32` hash as on chain: a task
/// id, a spec or result hash).
pub fn is_hash(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The rule every hash field of a message follows: [`is_hash`].
pub(crate) fn check_hash(field: &'static str, s: &str) -> Result<(), MessageError> {
    if is_hash(s) {
        Ok(())
    } else {
        Err(MessageError::invalid(
            field,
            "must be 0x followed by 64 hex digits",
        ))
    }
}

impl Message for ResultBlob {
    const NAME: &'static str = "result_blob";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("task_id", &self.task_id, MAX_ID_LEN, true)?;
        check_hash("spec_hash", &self.spec_hash)?;
        check_str("executor", &self.executor, MAX_ID_LEN, true)?;
        if let Some(m) = &self.model {
            check_str("model", m, MAX_ID_LEN, false)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn blob() -> ResultBlob {
        ResultBlob {
            task_id: format!("0x{}", "ab".repeat(32)),
            spec_hash: format!("0x{}", "cd".repeat(32)),
            worker: AgentId::from_bytes([7; 32]),
            executor: "local_llama".into(),
            model: None,
            output: "an answer".into(),
            timing: Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: Some(3),
                output_tokens: None,
            },
        }
    }

    #[test]
    fn round_trips_and_reads_the_blobs_workers_wrote_with_json() {
        let b = blob();
        assert_eq!(ResultBlob::from_json(&b.to_json().unwrap()).unwrap(), b);
        // the shape workers wrote with `json!` before the type existed (null tokens, null model)
        let old = serde_json::json!({
            "task_id": b.task_id, "spec_hash": b.spec_hash, "worker": b.worker,
            "executor": "local_llama", "model": null, "output": "an answer",
            "timing": {"started_at_ms": 1, "finished_at_ms": 2, "input_tokens": 3, "output_tokens": null},
        });
        let read = ResultBlob::from_json(&serde_json::to_vec(&old).unwrap()).unwrap();
        assert_eq!(read, b);
    }

    #[test]
    fn refuses_what_breaks_the_rules() {
        let mut b = blob();
        b.spec_hash = "0x12".into();
        assert!(b.validate().is_err());
        let mut b = blob();
        b.timing.finished_at_ms = 0;
        assert!(b.validate().is_err());
        let mut b = blob();
        b.executor.clear();
        assert!(b.validate().is_err());
        assert!(ResultBlob::from_json(br#"{"output": "x"}"#).is_err());
    }
}
