// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IRandomnessSource — where the DisputeCourt gets the seed of a jury draw
/// @notice A two-step source: the court asks for a request id when a round opens and reads
///         the value later, once it is fixed. A `block.prevrandao` source
///         ({PrevrandaoRandomness}) ships with AOS; a VRF (Chainlink, drand bridge, …) can
///         replace it by implementing this interface — the court is deployed with the source
///         it uses.
/// @dev Contract for implementers: once {randomness} has returned `Ready` with a value for a
///      request id, every later call must return `Ready` with the same value; the value must
///      not be known to anyone when {requestRandomness} is called. `Expired` means the request
///      can never become ready: the court then asks for a new request.
interface IRandomnessSource {
    /// @notice State of a request.
    enum Status {
        Pending,
        Ready,
        Expired
    }

    /// @notice Ask for a random value.
    /// @return requestId The id to pass to {randomness} (for {PrevrandaoRandomness}: the
    ///         block number whose PREVRANDAO is used).
    function requestRandomness() external returns (uint256 requestId);

    /// @notice The value for `requestId`, fixing it if this is the first call that may.
    /// @return status Pending (not yet available), Ready, or Expired (ask again).
    /// @return value The random value (non-zero) when Ready, else 0.
    function randomness(uint256 requestId) external returns (Status status, uint256 value);
}
