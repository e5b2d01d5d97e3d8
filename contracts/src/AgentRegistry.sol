// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAgentRegistry} from "./interfaces/IAgentRegistry.sol";

/// @title AgentRegistry — binds Ethereum accounts to Ed25519 agent keys (DESIGN.md "Identity")
/// @notice See {IAgentRegistry}. No owner, no admin: an account manages only its own entry.
contract AgentRegistry is IAgentRegistry {
    /// @dev Domain tag of the binding message signed by the Ed25519 key.
    bytes20 private constant BINDING_TAG = "AOS-AGENT-BINDING-v1";

    mapping(address account => Agent) private _agents;
    mapping(bytes32 agentKey => address account) private _accounts;

    /// @inheritdoc IAgentRegistry
    function register(bytes32 agentKey, bytes32 manifestHash, bytes calldata bindingSignature)
        external
    {
        if (_agents[msg.sender].agentKey != bytes32(0)) {
            revert AgentRegistryAlreadyRegistered(msg.sender);
        }
        _bind(agentKey, manifestHash, bindingSignature);
        emit AgentRegistered(msg.sender, agentKey, manifestHash, bindingSignature);
    }

    /// @inheritdoc IAgentRegistry
    function update(bytes32 agentKey, bytes32 manifestHash, bytes calldata bindingSignature)
        external
    {
        bytes32 oldKey = _agents[msg.sender].agentKey;
        if (oldKey == bytes32(0)) revert AgentRegistryNotRegistered(msg.sender);
        if (oldKey != agentKey) delete _accounts[oldKey];
        _bind(agentKey, manifestHash, bindingSignature);
        emit AgentUpdated(msg.sender, agentKey, manifestHash, bindingSignature);
    }

    /// @inheritdoc IAgentRegistry
    function deregister() external {
        bytes32 key = _agents[msg.sender].agentKey;
        if (key == bytes32(0)) revert AgentRegistryNotRegistered(msg.sender);
        delete _accounts[key];
        delete _agents[msg.sender];
        emit AgentDeregistered(msg.sender, key);
    }

    /// @inheritdoc IAgentRegistry
    function agentOf(address account) external view returns (Agent memory) {
        return _agents[account];
    }

    /// @inheritdoc IAgentRegistry
    function agentKeyOf(address account) external view returns (bytes32) {
        return _agents[account].agentKey;
    }

    /// @inheritdoc IAgentRegistry
    function accountOf(bytes32 agentKey) external view returns (address) {
        return _accounts[agentKey];
    }

    /// @inheritdoc IAgentRegistry
    function isRegistered(address account) external view returns (bool) {
        return _agents[account].agentKey != bytes32(0);
    }

    /// @inheritdoc IAgentRegistry
    function bindingMessage(address account) public view returns (bytes memory) {
        return abi.encodePacked(BINDING_TAG, block.chainid, address(this), account);
    }

    function _bind(bytes32 agentKey, bytes32 manifestHash, bytes calldata sig) private {
        if (agentKey == bytes32(0)) revert AgentRegistryZeroKey();
        if (sig.length != 64) revert AgentRegistryBadSignatureLength(sig.length);
        address holder = _accounts[agentKey];
        if (holder != address(0) && holder != msg.sender) {
            revert AgentRegistryKeyTaken(agentKey, holder);
        }
        _accounts[agentKey] = msg.sender;
        _agents[msg.sender] = Agent(agentKey, manifestHash);
    }
}
