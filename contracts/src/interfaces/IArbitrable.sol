// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IArbitrator} from "./IArbitrator.sol";

/// @title IArbitrable — ERC-792 arbitrable
/// @notice A contract whose disputes an ERC-792 arbitrator settles.
interface IArbitrable {
    /// @notice A final ruling was given.
    event Ruling(IArbitrator indexed _arbitrator, uint256 indexed _disputeID, uint256 _ruling);

    /// @notice Give the final ruling. Only the arbitrator that created the dispute may call.
    /// @param _disputeID The arbitrator's dispute id.
    /// @param _ruling 0 = refused to rule, else 1..choices.
    function rule(uint256 _disputeID, uint256 _ruling) external;
}
