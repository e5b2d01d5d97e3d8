//! Karma attestations for contributions (white paper §4.4 "all contributions tracked for
//! karma updates"; DESIGN.md "Karma vectors": off-chain measurements, signed, aggregated per
//! epoch into a Merkle root anchored in `KarmaRegistry`).
//!
//! Each contribution yields one [`KarmaAttestation`] signed by the coordinator's agent key:
//! dimension `accuracy.<step type>`, value = the contribution's agreement with the chosen
//! answer (1.0 for the chosen one). Mesh workers are attested under their agent id. A cloud
//! or local service has no key of its own, so it is named by a *service id*: the Ed25519
//! public key derived from `BLAKE3("aos-service/v1:" + name)` — public, reproducible by
//! anyone, never used to sign.

use aos_protocol::{
    AgentId, AgentKey, SignError, SignedMessage,
    messages::{KarmaAttestation, Message, MessageError},
};

use crate::aggregate::{Aggregated, Contribution, agreement};

/// Epoch length in seconds used to number attestations (one day).
pub const EPOCH_SECONDS: u64 = 86_400;

/// The service id of a registry service (module docs).
pub fn service_id(name: &str) -> AgentId {
    let seed = blake3::hash(format!("aos-service/v1:{name}").as_bytes());
    AgentKey::from_secret_bytes(seed.as_bytes()).agent_id()
}

/// Attesting failed.
#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    /// Invalid attestation.
    #[error(transparent)]
    Invalid(#[from] MessageError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// One signed attestation per contribution. `subjects[i]` is contribution i's agent id
/// (a mesh worker's key, or [`service_id`]).
///
/// # Errors
/// [`AttestError`] (e.g. a contribution attributed to the coordinator itself).
pub fn attest(
    key: &AgentKey,
    step_type: &str,
    contribs: &[Contribution],
    subjects: &[AgentId],
    agg: &Aggregated,
    now_ms: u64,
) -> Result<Vec<KarmaAttestation>, AttestError> {
    contribs
        .iter()
        .zip(subjects)
        .enumerate()
        .map(|(i, (c, subject))| {
            let value = if i == agg.chosen {
                1.0
            } else {
                agreement(&c.answer, &agg.answer)
            };
            let mut a = KarmaAttestation {
                attester: key.agent_id(),
                subject: *subject,
                dimension: format!("accuracy.{step_type}"),
                value: value.clamp(0.0, 1.0),
                epoch: now_ms / 1000 / EPOCH_SECONDS,
                timestamp_ms: now_ms,
                signature: None,
            };
            a.validate()?;
            a.sign_with(key)?;
            Ok(a)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::aggregate;

    #[test]
    fn one_signed_attestation_per_contribution() {
        let key = AgentKey::generate();
        let cs = vec![
            Contribution {
                source: "gpt-4o".into(),
                answer: "restart the primary".into(),
                karma: 0.5,
            },
            Contribution {
                source: "claude-opus".into(),
                answer: "restart the primary node".into(),
                karma: 0.5,
            },
        ];
        let agg = aggregate(&cs, 0.35, false).unwrap();
        let subjects: Vec<_> = cs.iter().map(|c| service_id(&c.source)).collect();
        assert_ne!(subjects[0], subjects[1]);
        assert_eq!(
            service_id("gpt-4o"),
            subjects[0],
            "service ids are reproducible"
        );
        let atts = attest(
            &key,
            "simple_analysis",
            &cs,
            &subjects,
            &agg,
            1_800_000_000_000,
        )
        .unwrap();
        assert_eq!(atts.len(), 2);
        for a in &atts {
            a.verify_signature().unwrap();
            assert_eq!(a.dimension, "accuracy.simple_analysis");
            assert!((0.0..=1.0).contains(&a.value));
        }
        assert_eq!(atts[agg.chosen].value, 1.0);
    }
}
