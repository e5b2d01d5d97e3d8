//! The task announcement: the gossip payload (domain
//! [`domains::TASK_ANNOUNCEMENT`](crate::envelope::domains::TASK_ANNOUNCEMENT), topic
//! `tasks`) that tells workers a task was posted on chain, with its terms and, optionally,
//! its spec blob inline. One type for the requester that sends it (the coordinator, the
//! CLI) and the worker that reads it.
//!
//! Wire format: JSON `{"params": "0x<abi.encode(TaskParams)>", "spec": "0x<spec blob>"?}`.
//! The terms are self-authenticating — `taskId = keccak256(params)` and a claim with other
//! terms reverts — and the inline spec must hash (BLAKE3) to `params.specHash`
//! ([`TaskAnnouncement::spec_matches`]), so a forged announcement can waste a lookup but
//! never make a worker work on other terms. This crate holds no chain types: `params` stays
//! ABI bytes here and `aos-chain`'s `TaskParams` decodes them.

use serde::{Deserialize, Serialize};

use super::{MAX_MESSAGE_BYTES, MessageError};
use crate::{AgentKey, ContentId, Envelope, EnvelopeError, envelope::domains};

/// A task announcement (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskAnnouncement {
    /// `abi.encode(ITaskMarket.TaskParams)`: the on-chain terms (their keccak256 is the task id).
    pub params: Vec<u8>,
    /// The spec blob, when sent inline (BLAKE3 must equal `params.specHash`).
    pub spec: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    params: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spec: Option<String>,
}

fn to_hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn from_hex(field: &'static str, s: &str) -> Result<Vec<u8>, MessageError> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| MessageError::invalid(field, format!("not hex: {e}")))
}

impl TaskAnnouncement {
    /// The JSON payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let w = Wire {
            params: to_hex(&self.params),
            spec: self.spec.as_deref().map(to_hex),
        };
        // a struct of two strings always serialises
        serde_json::to_vec(&w).unwrap_or_default()
    }

    /// Parses a payload (≤ [`MAX_MESSAGE_BYTES`]). Does not decode `params`; check the
    /// inline spec with [`TaskAnnouncement::spec_matches`] once they are decoded.
    ///
    /// # Errors
    /// [`MessageError::TooLarge`], [`MessageError::Json`], [`MessageError::Invalid`] for
    /// non-hex fields.
    pub fn decode(payload: &[u8]) -> Result<Self, MessageError> {
        if payload.len() > MAX_MESSAGE_BYTES {
            return Err(MessageError::TooLarge {
                len: payload.len(),
                max: MAX_MESSAGE_BYTES,
            });
        }
        let w: Wire =
            serde_json::from_slice(payload).map_err(|e| MessageError::Json(e.to_string()))?;
        Ok(Self {
            params: from_hex("params", &w.params)?,
            spec: w.spec.map(|s| from_hex("spec", &s)).transpose()?,
        })
    }

    /// Whether the inline spec, if any, hashes (BLAKE3) to `spec_hash` (`params.specHash`).
    pub fn spec_matches(&self, spec_hash: &[u8; 32]) -> bool {
        self.spec
            .as_deref()
            .is_none_or(|s| &ContentId::of(s).0 == spec_hash)
    }

    /// Signs it into an envelope of domain
    /// [`domains::TASK_ANNOUNCEMENT`](crate::envelope::domains::TASK_ANNOUNCEMENT).
    /// `nonce` must grow across restarts (peers drop replays): persist it.
    ///
    /// # Errors
    /// [`EnvelopeError`] when the payload is too large.
    pub fn to_envelope(
        &self,
        key: &AgentKey,
        chain_id: u64,
        nonce: u64,
        timestamp_ms: u64,
    ) -> Result<Envelope, EnvelopeError> {
        Envelope::sign(
            key,
            domains::TASK_ANNOUNCEMENT,
            chain_id,
            nonce,
            timestamp_ms,
            self.encode(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_spec_check() {
        let spec = b"{\"x\":1}".to_vec();
        let a = TaskAnnouncement {
            params: vec![1, 2, 3],
            spec: Some(spec.clone()),
        };
        let wire = a.encode();
        assert_eq!(
            std::str::from_utf8(&wire).unwrap(),
            r#"{"params":"0x010203","spec":"0x7b2278223a317d"}"#
        );
        let back = TaskAnnouncement::decode(&wire).unwrap();
        assert_eq!(back, a);
        assert!(back.spec_matches(&ContentId::of(&spec).0));
        assert!(!back.spec_matches(&[0; 32]));
        let no_spec = TaskAnnouncement {
            params: vec![],
            spec: None,
        };
        assert!(no_spec.spec_matches(&[0; 32]));
        assert!(TaskAnnouncement::decode(br#"{"params":"0xzz"}"#).is_err());
        assert!(TaskAnnouncement::decode(br#"{"params":"0x","other":1}"#).is_err());
    }

    #[test]
    fn signs_under_its_domain() {
        let k = AgentKey::generate();
        let e = TaskAnnouncement {
            params: vec![9],
            spec: None,
        }
        .to_envelope(&k, 31337, 7, 1)
        .unwrap();
        assert_eq!(e.domain, domains::TASK_ANNOUNCEMENT);
        assert_eq!(e.nonce, 7);
        assert_eq!(
            TaskAnnouncement::decode(&e.payload).unwrap().params,
            vec![9]
        );
    }
}
