//! Agent registration (`AgentRegistry.register`): the Ed25519 agent key signs the registry's
//! binding message for the account, and key + manifest hash go on chain (DESIGN.md
//! "Identity"). The one place both `aos worker register` and `aos-worker` register.

use alloy::primitives::{Address, B256};
use aos_protocol::{AgentKey, ContentId, binding_message};

use crate::{AosContracts, ChainError, TxOutcome};

/// Registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A chain call failed (e.g. `AgentRegistryKeyTaken`).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The registry's binding message differs from aos-protocol's (not an AOS registry, or
    /// another version).
    #[error(
        "the registry's binding message differs from aos-protocol's layout: is {registry} an \
         AOS AgentRegistry?"
    )]
    BindingMismatch {
        /// The registry asked.
        registry: Address,
    },
}

impl RegisterError {
    /// Whether trying again may succeed (RPC trouble, not a revert or a wrong registry).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Chain(e) if e.is_retryable())
    }
}

impl AosContracts {
    /// Register `account` (the provider's signer) with agent key `key` and the manifest
    /// `manifest` (its BLAKE3 id goes on chain): reads `bindingMessage(account)`, checks it
    /// equals [`aos_protocol::binding_message`], signs it with the agent key and sends
    /// `register(agentKey, manifestHash, signature)`. Returns the manifest id and the outcome.
    ///
    /// # Errors
    /// [`RegisterError`].
    pub async fn register_agent_key(
        &self,
        account: Address,
        key: &AgentKey,
        manifest: &[u8],
    ) -> Result<(ContentId, TxOutcome<()>), RegisterError> {
        let d = self.deployments();
        let msg = self.binding_message(account).await?;
        let expected = binding_message(
            d.chain_id,
            d.agent_registry.into_array(),
            account.into_array(),
        );
        if msg.as_ref() != expected.as_slice() {
            return Err(RegisterError::BindingMismatch {
                registry: d.agent_registry,
            });
        }
        let sig = key.sign(&expected);
        let manifest_id = ContentId::of(manifest);
        let out = self
            .register_agent(
                *key.agent_id().as_bytes(),
                B256::from(manifest_id.0),
                sig.to_bytes(),
            )
            .await?;
        Ok((manifest_id, out))
    }

    /// The agent key bound to `account` (zero when unregistered).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn agent_key_of(&self, account: Address) -> Result<B256, ChainError> {
        Ok(self.registry.agentKeyOf(account).call().await?)
    }

    /// `agentOf(account)`: agent key and manifest hash (zero key when unregistered).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn agent_of(
        &self,
        account: Address,
    ) -> Result<crate::agent_registry::IAgentRegistry::Agent, ChainError> {
        Ok(self.registry.agentOf(account).call().await?)
    }
}
