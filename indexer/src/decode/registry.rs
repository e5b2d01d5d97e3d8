//! `AgentRegistry` events → raw-event rows and agent ops.

use alloy::primitives::B256;
use aos_chain::agent_registry::AgentRegistry;
use serde_json::json;

use super::{Contract, Decoded, Op, addr, h256};

/// Decode one `AgentRegistry` event.
pub(super) fn decode(e: AgentRegistry::AgentRegistryEvents) -> Decoded {
    use AgentRegistry::AgentRegistryEvents as E;
    let (kind, account, key, manifest, sig, registered) = match e {
        E::AgentRegistered(e) => (
            "AgentRegistered",
            e.account,
            e.agentKey,
            e.manifestHash,
            Some(e.bindingSignature),
            true,
        ),
        E::AgentUpdated(e) => (
            "AgentUpdated",
            e.account,
            e.agentKey,
            e.manifestHash,
            Some(e.bindingSignature),
            true,
        ),
        E::AgentDeregistered(e) => (
            "AgentDeregistered",
            e.account,
            e.agentKey,
            B256::ZERO,
            None,
            false,
        ),
    };
    let mut args = json!({"account": addr(account), "agentKey": h256(key)});
    if let Some(sig) = &sig {
        args["manifestHash"] = json!(h256(manifest));
        args["bindingSignature"] = json!(sig.to_string());
    }
    let op = Op::AgentSet {
        account,
        agent_key: key,
        manifest_hash: manifest,
        registered,
    };
    Decoded {
        contract: Contract::Registry,
        kind,
        args,
        task_id: None,
        dispute_id: None,
        account: Some(account),
        ops: vec![op],
    }
}
