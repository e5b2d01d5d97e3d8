// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IArbitrable} from "../../src/interfaces/IArbitrable.sol";
import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";

/// @notice Minimal ERC-792 arbitrator for market unit tests: fixed cost, rulings given by the test.
contract MockArbitrator is IArbitrator {
    uint256 public cost;
    uint256 public count;
    mapping(uint256 => IArbitrable) public arbitrableOf;
    mapping(uint256 => uint256) public rulingOf;
    mapping(uint256 => bool) public solved;

    constructor(uint256 cost_) {
        cost = cost_;
    }

    function createDispute(uint256, bytes calldata) external payable returns (uint256 id) {
        require(msg.value == cost, "cost");
        id = ++count;
        arbitrableOf[id] = IArbitrable(msg.sender);
        emit DisputeCreation(id, IArbitrable(msg.sender));
    }

    function giveRuling(uint256 id, uint256 ruling) external {
        rulingOf[id] = ruling;
        solved[id] = true;
        arbitrableOf[id].rule(id, ruling);
    }

    function arbitrationCost(bytes calldata) external view returns (uint256) {
        return cost;
    }

    function appeal(uint256, bytes calldata) external payable {
        revert("no appeals");
    }

    function appealCost(uint256, bytes calldata) external pure returns (uint256) {
        return type(uint256).max;
    }

    function appealPeriod(uint256) external pure returns (uint256, uint256) {
        return (0, 0);
    }

    function disputeStatus(uint256 id) external view returns (DisputeStatus) {
        return solved[id] ? DisputeStatus.Solved : DisputeStatus.Waiting;
    }

    function currentRuling(uint256 id) external view returns (uint256) {
        return rulingOf[id];
    }
}
