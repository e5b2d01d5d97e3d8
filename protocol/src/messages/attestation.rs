//! Karma attestations: signed off-chain measurements of another agent (DESIGN.md "Karma
//! vectors": uptime, latency, skills tests, aggregated per epoch into a Merkle root).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::Message;
use super::error::MessageError;
use crate::identity::{AgentId, AgentSignature};
use crate::karma::Dimension;
use crate::signing::SignedMessage;

/// One attester's measurement of one dimension of `subject` in one epoch. Signed by
/// `attester`.
///
/// Rules: `dimension` a known key ([`Dimension`]); `value` finite, ≥ 0, and ≤ 1 for
/// fraction dimensions; attester ≠ subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KarmaAttestation {
    /// Who measured.
    pub attester: AgentId,
    /// Who was measured.
    pub subject: AgentId,
    /// Dimension key, e.g. `"reliability.uptime"`.
    pub dimension: String,
    /// Measured value (fractions in `[0, 1]`; booleans 0/1).
    pub value: f64,
    /// Karma epoch number (as anchored in `KarmaRegistry`).
    pub epoch: u64,
    /// When measured, Unix ms.
    pub timestamp_ms: u64,
    /// `attester`'s signature ([`SignedMessage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<AgentSignature>,
}

impl Message for KarmaAttestation {
    const NAME: &'static str = "karma_attestation";

    fn validate(&self) -> Result<(), MessageError> {
        let d: Dimension = self.dimension.parse()?;
        d.check_minimum(self.value)?;
        if self.attester == self.subject {
            return Err(MessageError::invalid(
                "subject",
                "an agent cannot attest itself",
            ));
        }
        Ok(())
    }
}

impl SignedMessage for KarmaAttestation {
    const DOMAIN: &'static str = "aos/karma-attestation/v1";

    fn signer(&self) -> &AgentId {
        &self.attester
    }

    fn signature(&self) -> Option<&AgentSignature> {
        self.signature.as_ref()
    }

    fn set_signature(&mut self, sig: Option<AgentSignature>) {
        self.signature = sig;
    }
}
