// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IKarmaRegistry} from "./interfaces/IKarmaRegistry.sol";
import {KarmaMath} from "./libraries/KarmaMath.sol";

/// @title KarmaRegistry — on-chain karma dimensions and epoch anchors (white paper §5)
/// @notice See {IKarmaRegistry}. Parameters are immutable; the two writers (market, court)
///         are set once by the deployer and never again, so no admin path writes karma.
contract KarmaRegistry is IKarmaRegistry {
    uint256 private constant WAD = 1e18;

    /// @inheritdoc IKarmaRegistry
    uint256 public immutable alpha;
    /// @inheritdoc IKarmaRegistry
    uint256 public immutable halfLife;
    /// @inheritdoc IKarmaRegistry
    uint256 public immutable attenuation;

    address private immutable _deployer;
    address private _market;
    address private _court;

    mapping(address agent => mapping(bytes32 domain => Karma)) private _karma;
    mapping(address agent => mapping(address asset => uint256)) private _earnings;
    mapping(address agent => mapping(uint64 epoch => bytes32)) private _roots;
    mapping(address agent => uint64) private _lastEpoch;

    /// @param alpha_ EMA learning rate, WAD (0.1e18 per §5.3).
    /// @param halfLife_ Decay half-life in seconds (0 = none).
    /// @param attenuation_ Per-level attenuation for delegators, WAD (0.5e18 by default).
    /// Emits {KarmaParametersSet}.
    constructor(uint256 alpha_, uint256 halfLife_, uint256 attenuation_) {
        if (alpha_ > WAD || attenuation_ > WAD || halfLife_ > type(uint64).max) {
            revert KarmaRegistryBadParameter();
        }
        alpha = alpha_;
        halfLife = halfLife_;
        attenuation = attenuation_;
        _deployer = msg.sender;
        emit KarmaParametersSet(alpha_, halfLife_, attenuation_);
    }

    /// @notice Set the two writers, once. Deployer only.
    /// Emits {WritersSet}.
    function setWriters(address market, address court) external {
        if (msg.sender != _deployer || _market != address(0)) revert KarmaRegistryWritersLocked();
        _market = market;
        _court = court;
        emit WritersSet(market, court);
    }

    /// @inheritdoc IKarmaRegistry
    function writers() external view returns (address market, address court) {
        return (_market, _court);
    }

    /// @inheritdoc IKarmaRegistry
    function record(
        address agent,
        bytes32 domain,
        Outcome outcome,
        uint8 level,
        address asset,
        uint256 earned
    ) external {
        if (msg.sender != _market && msg.sender != _court) {
            revert KarmaRegistryNotWriter(msg.sender);
        }
        Karma memory k = _karma[agent][domain];
        uint256 elapsed = block.timestamp - k.updatedAt;
        uint256 acc = KarmaMath.decay(k.accuracy, elapsed, halfLife);
        uint256 comp = KarmaMath.decay(k.completion, elapsed, halfLife);
        uint256 a = level == 0 ? alpha : KarmaMath.attenuate(alpha, attenuation, level);
        if (
            outcome == Outcome.Accepted || outcome == Outcome.DisputeWon
                || outcome == Outcome.Coherent
        ) {
            acc = KarmaMath.ema(acc, WAD, a);
            comp = KarmaMath.ema(comp, WAD, a);
        } else if (outcome == Outcome.DisputeLost || outcome == Outcome.Incoherent) {
            acc = KarmaMath.ema(acc, 0, a);
            comp = KarmaMath.ema(comp, WAD, a);
        } else if (outcome == Outcome.Refused) {
            comp = KarmaMath.ema(comp, WAD, a);
        } else {
            // Failed, Absent: did not deliver
            comp = KarmaMath.ema(comp, 0, a);
        }
        k.accuracy = uint64(acc);
        k.completion = uint64(comp);
        k.updatedAt = uint40(block.timestamp);
        if (level == 0 && outcome <= Outcome.Refused) {
            unchecked {
                // saturating: counters are informational and never block a settlement
                if (k.tasks != type(uint32).max) ++k.tasks;
                if (outcome == Outcome.DisputeWon && k.disputesWon != type(uint24).max) {
                    ++k.disputesWon;
                }
                if (outcome == Outcome.DisputeLost && k.disputesLost != type(uint24).max) {
                    ++k.disputesLost;
                }
            }
        }
        _karma[agent][domain] = k;
        emit KarmaRecorded(agent, domain, outcome, level, k);
        if (earned != 0) {
            _earnings[agent][asset] += earned;
            emit EarningsRecorded(agent, asset, earned);
        }
    }

    /// @inheritdoc IKarmaRegistry
    function anchorEpochRoot(uint64 epoch, bytes32 root) external {
        uint64 last = _lastEpoch[msg.sender];
        if (epoch <= last) revert KarmaRegistryEpochNotIncreasing(epoch, last);
        _lastEpoch[msg.sender] = epoch;
        _roots[msg.sender][epoch] = root;
        emit EpochRootAnchored(msg.sender, epoch, root);
    }

    /// @inheritdoc IKarmaRegistry
    function verifyLeaf(address agent, uint64 epoch, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = _roots[agent][epoch];
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IKarmaRegistry
    function scores(address agent, bytes32 domain)
        external
        view
        returns (uint256 accuracy, uint256 completion)
    {
        Karma memory k = _karma[agent][domain];
        uint256 elapsed = block.timestamp - k.updatedAt;
        return (
            KarmaMath.decay(k.accuracy, elapsed, halfLife),
            KarmaMath.decay(k.completion, elapsed, halfLife)
        );
    }

    /// @inheritdoc IKarmaRegistry
    function karmaOf(address agent, bytes32 domain) external view returns (Karma memory k) {
        k = _karma[agent][domain];
        uint256 elapsed = block.timestamp - k.updatedAt;
        k.accuracy = uint64(KarmaMath.decay(k.accuracy, elapsed, halfLife));
        k.completion = uint64(KarmaMath.decay(k.completion, elapsed, halfLife));
    }

    /// @inheritdoc IKarmaRegistry
    function earningsOf(address agent, address asset) external view returns (uint256) {
        return _earnings[agent][asset];
    }

    /// @inheritdoc IKarmaRegistry
    function epochRoot(address agent, uint64 epoch) external view returns (bytes32) {
        return _roots[agent][epoch];
    }

    /// @inheritdoc IKarmaRegistry
    function lastEpoch(address agent) external view returns (uint64) {
        return _lastEpoch[agent];
    }
}
