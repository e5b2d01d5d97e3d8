//! Agent registration (`AgentRegistry.register`): the manifest blob and the Ed25519 binding
//! signature (DESIGN.md "Identity").

use alloy::primitives::Address;
use aos_chain::{AosContracts, TxOutcome};
use aos_protocol::{AgentKey, ContentId};
use serde::{Deserialize, Serialize};

use crate::config::WorkerConfig;

/// The agent manifest (JSON; its BLAKE3 id goes on chain as `manifestHash`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The agent key (base58).
    pub agent: aos_protocol::AgentId,
    /// Skills.
    pub skills: Vec<String>,
    /// Karma domains served.
    pub domains: Vec<String>,
    /// Executor kinds.
    pub executors: Vec<String>,
    /// Manifest format version.
    pub version: u32,
}

impl Manifest {
    /// The manifest of a worker configuration.
    pub fn of(cfg: &WorkerConfig, key: &AgentKey) -> Self {
        Self {
            agent: key.agent_id(),
            skills: cfg.skills.clone(),
            domains: cfg.domains.clone(),
            executors: cfg.executors.iter().map(|e| e.kind().to_owned()).collect(),
            version: 1,
        }
    }

    /// Canonical bytes (compact JSON, fields in declaration order).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest serializes")
    }
}

/// Registration failed (aos-chain's: a chain call, or a registry that is not AOS's).
pub use aos_chain::RegisterError;

/// Registers `account` with `key` and `manifest` through aos-chain's one registration
/// ([`AosContracts::register_agent_key`]): the registry's binding message, checked against
/// [`aos_protocol::binding_message`], signed with the agent key, then
/// `register(agentKey, BLAKE3(manifest), signature)`.
///
/// # Errors
/// [`RegisterError`].
pub async fn register(
    contracts: &AosContracts,
    account: Address,
    key: &AgentKey,
    manifest: &Manifest,
) -> Result<(ContentId, TxOutcome<()>), RegisterError> {
    contracts
        .register_agent_key(account, key, &manifest.to_bytes())
        .await
}
