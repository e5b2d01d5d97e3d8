//! Agent registration (`AgentRegistry.register`): the manifest blob and the Ed25519 binding
//! signature (DESIGN.md "Identity").

use alloy::primitives::{Address, B256};
use aos_chain::{AosContracts, ChainError, TxOutcome};
use aos_protocol::{AgentKey, ContentId, binding_message};
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

/// Registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Chain call failed (e.g. `AgentRegistryKeyTaken`).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The registry's binding message differs from aos-protocol's (wrong deployment?).
    #[error("the registry's binding message differs from aos-protocol's layout")]
    BindingMismatch,
}

/// Registers `account` with `key` and `manifest`: reads `registry.bindingMessage(account)`,
/// checks it equals [`aos_protocol::binding_message`], signs it with the agent key and
/// sends `register(agentKey, BLAKE3(manifest), signature)`.
///
/// # Errors
/// [`RegisterError`].
pub async fn register(
    contracts: &AosContracts,
    account: Address,
    key: &AgentKey,
    manifest: &Manifest,
) -> Result<(ContentId, TxOutcome<()>), RegisterError> {
    let d = contracts.deployments();
    let msg = contracts.binding_message(account).await?;
    let expected = binding_message(
        d.chain_id,
        d.agent_registry.into_array(),
        account.into_array(),
    );
    if msg.as_ref() != expected.as_slice() {
        return Err(RegisterError::BindingMismatch);
    }
    let sig = key.sign(&expected);
    let manifest_id = ContentId::of(&manifest.to_bytes());
    let out = contracts
        .register_agent(
            *key.agent_id().as_bytes(),
            B256::from(manifest_id.0),
            sig.to_bytes(),
        )
        .await?;
    Ok((manifest_id, out))
}
