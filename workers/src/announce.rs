//! Gossip payloads the worker reads and writes.
//!
//! **Task posted** (domain [`aos_mesh::TASK_POSTED`], topic `tasks`): JSON
//! `{"params": "0x<abi.encode(TaskParams)>", "spec": "0x<spec blob>"?}`. The terms are
//! self-authenticating — `taskId = keccak256(params)` and a claim with other terms reverts —
//! and the optional inline spec must hash (BLAKE3) to `params.specHash`, so a forged
//! announcement can waste a lookup but never make a worker work on other terms.
//!
//! **Result** (domain `aos/result/v1`, topic `results`): an aos-protocol
//! [`TaskResult`](aos_protocol::messages::TaskResult) as JSON, `task_id` = `0x<taskId>`.

use alloy::primitives::{B256, Bytes};
use alloy::sol_types::SolValue;
use aos_chain::{TaskParams, task_id_of};
use aos_protocol::{AgentKey, ContentId, Envelope, EnvelopeError};
use serde::{Deserialize, Serialize};

/// A task-posted announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskAnnouncement {
    /// The on-chain terms.
    pub params: TaskParams,
    /// The spec blob, when sent inline (checked against `params.specHash`).
    pub spec: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    params: Bytes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spec: Option<Bytes>,
}

/// A malformed announcement.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    /// Not the JSON shape.
    #[error("announcement JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// `params` is not an ABI-encoded `TaskParams`.
    #[error("announcement params: {0}")]
    Abi(#[source] alloy::sol_types::Error),
    /// The inline spec does not hash to `specHash`.
    #[error("inline spec does not match specHash")]
    SpecMismatch,
    /// Envelope construction failed.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
}

impl TaskAnnouncement {
    /// The task id (`keccak256(abi.encode(params))`).
    pub fn task_id(&self) -> B256 {
        task_id_of(&self.params)
    }

    /// JSON payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let w = Wire {
            params: self.params.abi_encode().into(),
            spec: self.spec.clone().map(Into::into),
        };
        serde_json::to_vec(&w).expect("serializing bytes cannot fail")
    }

    /// Parses and checks the inline spec's hash.
    ///
    /// # Errors
    /// [`AnnounceError`].
    pub fn decode(payload: &[u8]) -> Result<Self, AnnounceError> {
        let w: Wire = serde_json::from_slice(payload)?;
        let params = TaskParams::abi_decode(&w.params).map_err(AnnounceError::Abi)?;
        let spec = w.spec.map(|b| b.to_vec());
        if let Some(s) = &spec
            && ContentId::of(s).0 != params.specHash.0
        {
            return Err(AnnounceError::SpecMismatch);
        }
        Ok(Self { params, spec })
    }

    /// Signs it into an envelope.
    ///
    /// # Errors
    /// [`AnnounceError::Envelope`].
    pub fn to_envelope(
        &self,
        key: &AgentKey,
        chain_id: u64,
        nonce: u64,
        timestamp_ms: u64,
    ) -> Result<Envelope, AnnounceError> {
        Ok(Envelope::sign(
            key,
            aos_mesh::TASK_POSTED,
            chain_id,
            nonce,
            timestamp_ms,
            self.encode(),
        )?)
    }
}

/// `0x`-prefixed lowercase hex of a task id (the `task_id` of results).
pub fn task_id_string(id: B256) -> String {
    format!("{id:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Address;

    #[test]
    fn round_trip_and_mismatch() {
        let spec = b"{\"x\":1}".to_vec();
        let params = TaskParams::builder(Address::repeat_byte(1), 0)
            .with_payment(5)
            .with_spec_hash(B256::from(ContentId::of(&spec).0))
            .build();
        let a = TaskAnnouncement {
            params,
            spec: Some(spec),
        };
        let back = TaskAnnouncement::decode(&a.encode()).unwrap();
        assert_eq!(back, a);
        let mut bad = a;
        bad.spec = Some(b"other".to_vec());
        assert!(matches!(
            TaskAnnouncement::decode(&bad.encode()),
            Err(AnnounceError::SpecMismatch)
        ));
    }
}
