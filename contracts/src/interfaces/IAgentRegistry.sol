// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IAgentRegistry — Ethereum account ⇄ Ed25519 agent key
/// @notice An agent is an Ed25519 key (its libp2p PeerId, its off-chain signer). An Ethereum
///         account registers that key and a manifest hash. One key per account and one
///         account per key, so the binding is a bijection. (DESIGN.md "Identity".)
/// @dev The Ed25519 key's signature over the binding message
///      `abi.encodePacked("AOS-AGENT-BINDING-v1", uint256 chainId, address registry, address account)`
///      (92 bytes) is emitted, not verified: the EVM has no Ed25519 precompile; off-chain
///      verifiers (aos-protocol `identity::verify_binding`) check it from the event.
interface IAgentRegistry {
    /// @notice A registered agent. `agentKey` is the raw 32-byte Ed25519 public key (its
    ///         base58 form is the agent id of the white paper); `manifestHash` is the BLAKE3
    ///         hash of the agent's manifest blob.
    struct Agent {
        bytes32 agentKey;
        bytes32 manifestHash;
    }

    /// @notice `account` bound `agentKey` with `manifestHash`; `bindingSignature` is the
    ///         key's 64-byte Ed25519 signature over {bindingMessage}.
    event AgentRegistered(
        address indexed account,
        bytes32 indexed agentKey,
        bytes32 manifestHash,
        bytes bindingSignature
    );
    /// @notice `account` changed its key and/or manifest.
    event AgentUpdated(
        address indexed account,
        bytes32 indexed agentKey,
        bytes32 manifestHash,
        bytes bindingSignature
    );
    /// @notice `account` released `agentKey`.
    event AgentDeregistered(address indexed account, bytes32 indexed agentKey);

    /// @notice The agent key is zero.
    error AgentRegistryZeroKey();
    /// @notice `account` already has a key (use {update}).
    error AgentRegistryAlreadyRegistered(address account);
    /// @notice `agentKey` is bound to another account.
    error AgentRegistryKeyTaken(bytes32 agentKey, address account);
    /// @notice `account` has no key.
    error AgentRegistryNotRegistered(address account);
    /// @notice The binding signature is not 64 bytes.
    error AgentRegistryBadSignatureLength(uint256 length);

    /// @notice Bind the caller's account to `agentKey`.
    /// @param agentKey Ed25519 public key, 32 bytes, non-zero, not bound to another account.
    /// @param manifestHash BLAKE3 hash of the manifest blob (may be zero).
    /// @param bindingSignature 64-byte Ed25519 signature of {bindingMessage}(msg.sender).
    /// Requirements: caller not registered. Emits {AgentRegistered}.
    function register(bytes32 agentKey, bytes32 manifestHash, bytes calldata bindingSignature)
        external;

    /// @notice Rotate the caller's key and/or manifest. Same rules as {register}.
    /// Requirements: caller registered. Emits {AgentUpdated}.
    function update(bytes32 agentKey, bytes32 manifestHash, bytes calldata bindingSignature)
        external;

    /// @notice Release the caller's key. Requirements: caller registered.
    /// Emits {AgentDeregistered}.
    function deregister() external;

    /// @notice The agent bound to `account` (zeros when none).
    function agentOf(address account) external view returns (Agent memory);

    /// @notice The Ed25519 key bound to `account`, or zero.
    function agentKeyOf(address account) external view returns (bytes32);

    /// @notice The account bound to `agentKey`, or address(0).
    function accountOf(bytes32 agentKey) external view returns (address);

    /// @notice Whether `account` has a key.
    function isRegistered(address account) external view returns (bool);

    /// @notice The 92-byte message the Ed25519 key signs for `account` on this chain/registry.
    function bindingMessage(address account) external view returns (bytes memory);
}
