//! The result a worker produces: the result blob (stored locally and on the mesh; its
//! BLAKE3 hash goes on chain) and the `results` gossip announcement.
//!
//! The blob is aos-protocol's typed [`ResultBlob`] (JSON; schema in
//! `protocol/schemas/result_blob.json`), built here and nowhere else in the worker; requesters,
//! jurors and the coordinator read it with the same type.

use alloy::primitives::B256;
use aos_mesh::Topic;
use aos_protocol::envelope::domains;
use aos_protocol::messages::{
    Executor as ExecutorInfo, Message, MessageError, ResultBlob, TaskResult, Timing,
};
use aos_protocol::{AgentId, ContentId, Envelope};

use super::{Worker, now_ms};
use crate::announce::task_id_string;
use crate::executor::Output;

/// Who made a result and when: the parts of the blob that are not the executor's output.
pub(super) struct Made<'a> {
    pub(super) task_id: B256,
    pub(super) spec_hash: B256,
    /// The worker's agent id.
    pub(super) worker: AgentId,
    /// The executor's kind (`local_llama`, `openai`, …).
    pub(super) executor: &'a str,
    /// Unix ms when the executor started.
    pub(super) started_at_ms: u64,
    /// Unix ms when it finished.
    pub(super) finished_at_ms: u64,
}

/// The result blob and its bytes: a [`ResultBlob`] as JSON.
///
/// # Errors
/// [`MessageError`] when the blob is invalid (e.g. an output over the protocol's size cap).
pub(super) fn result_blob(
    made: &Made<'_>,
    out: &Output,
) -> Result<(ResultBlob, Vec<u8>), MessageError> {
    let blob = ResultBlob {
        task_id: task_id_string(made.task_id),
        spec_hash: format!("{:#x}", made.spec_hash),
        worker: made.worker,
        executor: made.executor.to_owned(),
        model: out.model.clone(),
        output: out.text.clone(),
        timing: Timing {
            started_at_ms: made.started_at_ms,
            finished_at_ms: made.finished_at_ms,
            input_tokens: out.input_tokens,
            output_tokens: out.output_tokens,
        },
    };
    blob.validate()?;
    let bytes = blob.to_json()?;
    Ok((blob, bytes))
}

impl Worker {
    /// Announces a submitted result on the `results` topic (best effort: the chain has the
    /// hash, so a failure here is only logged).
    pub(super) async fn announce_result(
        &self,
        task_id: B256,
        result_hash: B256,
        executor: Option<&str>,
    ) {
        let Some(mesh) = &self.inner.p.mesh else {
            return;
        };
        let now = now_ms();
        let r = TaskResult {
            task_id: task_id_string(task_id),
            worker: self.inner.p.agent_key.agent_id(),
            result: ContentId(result_hash.0),
            output: serde_json::json!({"blob": ContentId(result_hash.0)}),
            executor: ExecutorInfo {
                kind: executor.unwrap_or("unknown").into(),
                model: None,
            },
            timing: Timing {
                started_at_ms: now,
                finished_at_ms: now,
                input_tokens: None,
                output_tokens: None,
            },
        };
        let Ok(payload) = r.to_json() else { return };
        let Ok(nonce) = self.store().next_nonce().await else {
            return;
        };
        let Ok(env) = Envelope::sign(
            &self.inner.p.agent_key,
            domains::RESULT,
            self.inner.chain_id,
            nonce,
            now,
            payload,
        ) else {
            return;
        };
        if let Err(e) = mesh.publish(Topic::Results, &env).await {
            tracing::debug!(%e, "result announcement not sent (the chain has the hash)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blob is a valid [`ResultBlob`] that reads back as what was made.
    #[test]
    fn result_blob_is_the_typed_blob() {
        let made = Made {
            task_id: B256::repeat_byte(0x11),
            spec_hash: B256::repeat_byte(0x22),
            worker: AgentId::from_bytes([7; 32]),
            executor: "echo",
            started_at_ms: 1,
            finished_at_ms: 2,
        };
        let out = Output {
            text: "hi".into(),
            model: None,
            input_tokens: Some(3),
            output_tokens: None,
        };
        let (typed, bytes) = result_blob(&made, &out).unwrap();
        let b = ResultBlob::from_json(&bytes).unwrap();
        assert_eq!(b, typed);
        assert_eq!(b.task_id, format!("0x{}", "11".repeat(32)));
        assert_eq!(b.spec_hash, format!("0x{}", "22".repeat(32)));
        assert_eq!(b.worker, AgentId::from_bytes([7; 32]));
        assert_eq!((b.executor.as_str(), b.output.as_str()), ("echo", "hi"));
        assert_eq!(b.timing.input_tokens, Some(3));
        assert_eq!((b.timing.started_at_ms, b.timing.finished_at_ms), (1, 2));
    }
}
