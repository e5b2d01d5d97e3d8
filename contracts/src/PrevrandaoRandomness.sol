// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";

/// @title PrevrandaoRandomness — randomness from the beacon chain's RANDAO (EIP-4399)
/// @notice A request made in block N names the target block `B = N + delay`. The value is
///         `keccak256(abi.encode(block.prevrandao, B, address(this)))` of the **first block
///         ≥ B in which anyone calls {randomness}(B)**; it is stored then and never changes.
///         Requests for the same target block share the value (the court mixes in the dispute
///         id and round, so two disputes still get different seeds).
///
///         Bias limits — read before trusting a jury draw to it:
///         - PREVRANDAO of block B is the RANDAO mix after block B−1, so it is public one slot
///           before B. Whoever submits the first call at or after B can see the value it will
///           fix; if every other participant stays silent, a lone caller can wait and pick the
///           block (one candidate per block). Parties and keepers should therefore call the
///           court's `draw` in block B itself: the first call in any block fixes the value
///           for good.
///         - The proposer of block B−1 can withhold its block (losing its reward) to replace
///           the mix with the next one: about one bit of bias per slot an attacker proposes;
///           a proposer can also leave the fixing transaction out of its block.
///         - `delay` ≥ 1 keeps the value unknown when the request is made: the requester's
///           own block cannot be the target.
///         Use a VRF behind {IRandomnessSource} where these limits are too weak.
/// @dev Never returns `Expired`. Requests are stateless (the id is the target block), so a
///      request costs no storage; fixing a value costs one slot.
contract PrevrandaoRandomness is IRandomnessSource {
    /// @notice Blocks between a request and its target block (≥ 1).
    uint256 public immutable delay;

    mapping(uint256 targetBlock => uint256 value) private _values;

    /// @notice A value was fixed for `targetBlock` in block `fixedIn`.
    event RandomnessFixed(uint256 indexed targetBlock, uint256 fixedIn, uint256 value);

    /// @notice `delay` must be at least 1.
    error PrevrandaoRandomnessBadDelay();

    /// @param delay_ Blocks from request to target (devnet default 1; ≥ 1).
    constructor(uint256 delay_) {
        if (delay_ == 0) revert PrevrandaoRandomnessBadDelay();
        delay = delay_;
    }

    /// @inheritdoc IRandomnessSource
    function requestRandomness() external view returns (uint256 requestId) {
        return block.number + delay;
    }

    /// @inheritdoc IRandomnessSource
    /// @dev Anyone may call; the first call at or after the target block fixes the value.
    ///      Emits {RandomnessFixed} when it fixes one.
    function randomness(uint256 requestId) external returns (Status status, uint256 value) {
        value = _values[requestId];
        if (value != 0) return (Status.Ready, value);
        if (block.number < requestId) return (Status.Pending, 0);
        // `| 1` keeps 0 free as the "not fixed" marker; one bit of entropy is a fair price.
        value = uint256(keccak256(abi.encode(block.prevrandao, requestId, address(this)))) | 1;
        _values[requestId] = value;
        emit RandomnessFixed(requestId, block.number, value);
        return (Status.Ready, value);
    }

    /// @notice The fixed value for `targetBlock`, or 0 while none is fixed.
    function valueOf(uint256 targetBlock) external view returns (uint256) {
        return _values[targetBlock];
    }
}
