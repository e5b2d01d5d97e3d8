// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IArbitrable} from "../../../src/interfaces/IArbitrable.sol";
import {IArbitrator} from "../../../src/interfaces/IArbitrator.sol";

/// @notice A generic ERC-792 arbitrable: opens disputes with any extraData, counts `rule`
///         calls, and can be told to revert on `rule` (to test redelivery).
contract MockArbitrable is IArbitrable {
    IArbitrator public immutable arbitrator;
    bool public failRule;
    uint256 public ruleCalls;
    uint256 public lastRuling;

    constructor(IArbitrator arbitrator_) {
        arbitrator = arbitrator_;
    }

    function open(uint256 choices, bytes calldata extraData) external payable returns (uint256) {
        return arbitrator.createDispute{value: msg.value}(choices, extraData);
    }

    function setFailRule(bool fail) external {
        failRule = fail;
    }

    function rule(uint256 disputeId, uint256 ruling) external {
        require(msg.sender == address(arbitrator), "not arbitrator");
        require(!failRule, "rule refused");
        ++ruleCalls;
        lastRuling = ruling;
        emit Ruling(arbitrator, disputeId, ruling);
    }
}
