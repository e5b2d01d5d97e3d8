// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IKarmaRegistry — the on-chain dimensions of the karma vector
/// @notice Per (agent, domain) fixed-point scores (WAD: 1e18 = 1.0) that contracts witness:
///         accuracy (EMA of verified outcomes, white paper §5.3), task completion rate (EMA
///         of delivered/not delivered), task count, disputes won and lost; earnings per
///         asset. Scores decay toward 0 with a half-life, applied on read from the last
///         update (§5.2 "temporal decay"). New identities start at 0 (§5.4). Only the
///         TaskMarket and the DisputeCourt write. Agents anchor the Merkle root of their
///         off-chain signed vector per epoch; anyone verifies a leaf against it.
/// @dev Fixed-point rules live in `libraries/KarmaMath.sol` and are bit-exact with
///      aos-protocol's `karma::math` (shared vectors in contracts/test/vectors/karma.json).
///      Domains are short UTF-8 names right-padded into bytes32 (`cast format-bytes32-string`).
interface IKarmaRegistry {
    /// @notice What a writer witnessed. Effects on (accuracy, completion), α attenuated by
    ///         delegation level (§6.4):
    ///         Accepted: (1, 1), tasks+1 · DisputeWon: (1, 1), won+1, tasks+1 ·
    ///         DisputeLost: (0, 1), lost+1, tasks+1 · Failed (not delivered): (—, 0), tasks+1 ·
    ///         Refused (ruling 0): (—, 1), tasks+1 · Coherent juror: (1, 1) ·
    ///         Incoherent juror: (0, 1) · Absent juror: (—, 0).  "—" = unchanged (decayed only).
    ///         Attenuated records (level > 0, the delegator of a sub-task) do not count tasks.
    enum Outcome {
        Accepted,
        DisputeWon,
        DisputeLost,
        Failed,
        Refused,
        Coherent,
        Incoherent,
        Absent
    }

    /// @notice Raw stored record (scores not decayed). Packs into one slot.
    /// @param accuracy WAD, EMA of outcomes.
    /// @param completion WAD, EMA of delivered (1) vs not delivered (0).
    /// @param updatedAt Unix seconds of the last write (decay runs from here).
    /// @param tasks Tasks settled at level 0.
    /// @param disputesWon Disputes won as the worker.
    /// @param disputesLost Disputes lost as the worker.
    struct Karma {
        uint64 accuracy;
        uint64 completion;
        uint40 updatedAt;
        uint32 tasks;
        uint24 disputesWon;
        uint24 disputesLost;
    }

    /// @notice `agent`'s record in `domain` after an `outcome` at delegation `level`.
    /// @param karma The whole stored record after the update (scores WAD, not decayed;
    ///        counters saturated as stored; `updatedAt` = this block's timestamp), so a mirror
    ///        stores it as is instead of re-applying the update rules.
    event KarmaRecorded(
        address indexed agent, bytes32 indexed domain, Outcome outcome, uint8 level, Karma karma
    );
    /// @notice `agent` earned `amount` (asset units; address(0) = ETH, in wei).
    event EarningsRecorded(address indexed agent, address indexed asset, uint256 amount);
    /// @notice `agent` anchored the Merkle `root` of its off-chain karma vector for `epoch`.
    event EpochRootAnchored(address indexed agent, uint64 indexed epoch, bytes32 root);
    /// @notice The karma parameters, emitted once by the constructor (they are immutable).
    /// @param alpha EMA learning rate, WAD.
    /// @param halfLife Decay half-life in seconds (0 = no decay).
    /// @param attenuation Attenuation per delegation level, WAD.
    event KarmaParametersSet(uint256 alpha, uint256 halfLife, uint256 attenuation);
    /// @notice The writers were set (once).
    event WritersSet(address market, address court);

    /// @notice Caller is not the market or the court.
    error KarmaRegistryNotWriter(address caller);
    /// @notice Writers were already set, or the caller is not the deployer.
    error KarmaRegistryWritersLocked();
    /// @notice An epoch must be greater than the agent's last anchored epoch.
    error KarmaRegistryEpochNotIncreasing(uint64 epoch, uint64 lastEpoch);
    /// @notice A constructor parameter is out of range (α or attenuation above 1e18).
    error KarmaRegistryBadParameter();

    /// @notice Record an outcome for `agent` in `domain` and, when `earned > 0`, earnings.
    /// @param level Delegation level: 0 = the worker itself, k = its k-th delegator; α is
    ///        multiplied by `attenuation()` k times (§6.4).
    /// @param asset Earnings asset (address(0) = ETH).
    /// @param earned Earnings in asset units (0 = none).
    /// Requirements: caller is a writer. Emits {KarmaRecorded}, {EarningsRecorded} if earned.
    function record(
        address agent,
        bytes32 domain,
        Outcome outcome,
        uint8 level,
        address asset,
        uint256 earned
    ) external;

    /// @notice Anchor the caller's epoch Merkle root (OpenZeppelin StandardMerkleTree
    ///         leaves: `keccak256(bytes.concat(keccak256(abi.encode(string dimension, uint256 valueWad))))`).
    /// Requirements: `epoch` > the caller's last anchored epoch. Emits {EpochRootAnchored}.
    function anchorEpochRoot(uint64 epoch, bytes32 root) external;

    /// @notice Whether `leaf` is in `agent`'s anchored root for `epoch`.
    function verifyLeaf(address agent, uint64 epoch, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice (accuracy, completion) of `agent` in `domain`, WAD, decayed to now.
    function scores(address agent, bytes32 domain)
        external
        view
        returns (uint256 accuracy, uint256 completion);

    /// @notice The record with scores decayed to now.
    function karmaOf(address agent, bytes32 domain) external view returns (Karma memory);

    /// @notice Total earnings of `agent` in `asset`.
    function earningsOf(address agent, address asset) external view returns (uint256);

    /// @notice `agent`'s anchored root for `epoch` (zero if none).
    function epochRoot(address agent, uint64 epoch) external view returns (bytes32);

    /// @notice `agent`'s last anchored epoch (0 if none).
    function lastEpoch(address agent) external view returns (uint64);

    /// @notice EMA learning rate, WAD (white paper §5.3: 0.1).
    function alpha() external view returns (uint256);

    /// @notice Decay half-life in seconds (0 = no decay).
    function halfLife() external view returns (uint256);

    /// @notice Attenuation per delegation level, WAD (default 0.5).
    function attenuation() external view returns (uint256);

    /// @notice The market and the court, the only writers.
    function writers() external view returns (address market, address court);
}
