// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IArbitrable} from "./IArbitrable.sol";

/// @title IArbitrator — ERC-792 arbitrator
/// @notice The shape of ERC-792 (https://github.com/ethereum/EIPs/issues/792), as Kleros v1
///         implements it, so the TaskMarket can be pointed at any ERC-792 court and the AOS
///         DisputeCourt can serve any ERC-792 arbitrable.
/// @dev Rulings: 0 = refused to rule; 1..choices = the options the arbitrable defined.
interface IArbitrator {
    /// @notice Lifecycle of a dispute as seen by the arbitrable.
    enum DisputeStatus {
        Waiting,
        Appealable,
        Solved
    }

    /// @notice A dispute was created.
    event DisputeCreation(uint256 indexed _disputeID, IArbitrable indexed _arbitrable);
    /// @notice A ruling was given and can be appealed.
    event AppealPossible(uint256 indexed _disputeID, IArbitrable indexed _arbitrable);
    /// @notice A ruling was appealed.
    event AppealDecision(uint256 indexed _disputeID, IArbitrable indexed _arbitrable);

    /// @notice Create a dispute. Must be called by the arbitrable, paying `arbitrationCost`.
    /// @param _choices Number of ruling options (rulings 1.._choices; 0 = refused).
    /// @param _extraData Arbitrator-specific data (for the AOS court:
    ///        `abi.encode(bytes32 domain, address requester, address worker)`).
    /// @return disputeID The new dispute's id.
    function createDispute(uint256 _choices, bytes calldata _extraData)
        external
        payable
        returns (uint256 disputeID);

    /// @notice Cost of arbitration, in wei.
    function arbitrationCost(bytes calldata _extraData) external view returns (uint256 cost);

    /// @notice Appeal a ruling, paying `appealCost`.
    function appeal(uint256 _disputeID, bytes calldata _extraData) external payable;

    /// @notice Cost of appealing, in wei.
    function appealCost(uint256 _disputeID, bytes calldata _extraData)
        external
        view
        returns (uint256 cost);

    /// @notice The appeal window (unix seconds); (0, 0) when not appealable.
    function appealPeriod(uint256 _disputeID) external view returns (uint256 start, uint256 end);

    /// @notice The dispute's status.
    function disputeStatus(uint256 _disputeID) external view returns (DisputeStatus status);

    /// @notice The ruling as it stands (final once the status is Solved).
    function currentRuling(uint256 _disputeID) external view returns (uint256 ruling);
}
