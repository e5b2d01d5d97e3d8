// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAgentRegistry} from "./interfaces/IAgentRegistry.sol";
import {IArbitrable} from "./interfaces/IArbitrable.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {IKarmaRegistry} from "./interfaces/IKarmaRegistry.sol";
import {ITaskMarket} from "./interfaces/ITaskMarket.sol";

/// @title TaskMarket — the AOS escrow (white paper §7.2, DESIGN.md "Task lifecycle")
/// @notice See {ITaskMarket}. Every settlement credits pull-payment balances; only
///         {withdraw}/{withdrawMany} send value out. All value-moving entry points are
///         `nonReentrant` (transient-storage guard, EIP-1153).
/// @dev Gas notes: the task's terms are committed by its id and travel in calldata, so a task
///      costs one storage slot; balances keep a +1 sentinel once touched, so a returning
///      account's credit and withdrawal write a non-zero slot (2,900 gas) instead of a fresh
///      one (20,000). Neither trades a safety property.
contract TaskMarket is ITaskMarket, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc ITaskMarket
    uint256 public constant RULING_CHOICES = 2;
    /// @inheritdoc ITaskMarket
    uint16 public constant MAX_FEE_BPS = 500;
    /// @notice Basis-point denominator.
    uint256 public constant BPS = 10_000;
    /// @notice Deepest delegation chain (bounds the karma walk up the chain, §6.4).
    uint8 public constant MAX_DELEGATION_DEPTH = 8;

    uint256 private constant RULING_REFUSED = 0;
    uint256 private constant RULING_REQUESTER = 1;
    uint256 private constant RULING_WORKER = 2;
    uint256 private constant WAD = 1e18;

    /// @notice The agent registry claims are gated on.
    IAgentRegistry public immutable registry;
    /// @notice The karma registry this market writes and reads.
    IKarmaRegistry public immutable karma;
    /// @notice The ERC-792 arbitrator rejections go to (fixed for the market's life).
    IArbitrator public immutable arbitrator;

    /// @inheritdoc ITaskMarket
    uint16 public feeBps;
    /// @inheritdoc ITaskMarket
    address public feeRecipient;

    mapping(bytes32 taskId => TaskState) private _tasks;
    /// @dev Withdrawable balance + 1 once touched (0 = never credited).
    mapping(address account => mapping(address asset => uint256)) private _credit;
    mapping(uint256 disputeId => bytes32 taskId) private _disputeTask;
    mapping(bytes32 taskId => bytes32 parentTaskId) private _parent;

    /// @param owner_ May set the protocol fee (two-step ownership transfer).
    constructor(
        address owner_,
        IAgentRegistry registry_,
        IKarmaRegistry karma_,
        IArbitrator arbitrator_
    ) Ownable(owner_) {
        registry = registry_;
        karma = karma_;
        arbitrator = arbitrator_;
        feeRecipient = owner_;
    }

    // ---------------------------------------------------------------- requester

    /// @inheritdoc ITaskMarket
    function postTask(TaskParams calldata p)
        external
        payable
        nonReentrant
        returns (bytes32 taskId)
    {
        if (p.requester != msg.sender) {
            revert TaskMarketUnauthorized(msg.sender, "requester");
        }
        if (p.payment == 0) revert TaskMarketBadParams("payment is zero");
        if (p.stakeBps == 0 || p.stakeBps > BPS) {
            revert TaskMarketBadParams("stakeBps not in 1..10000");
        }
        if (p.claimDeadline <= block.timestamp) {
            revert TaskMarketBadParams("claimDeadline not in the future");
        }
        if (p.completionDeadline <= p.claimDeadline) {
            revert TaskMarketBadParams("completionDeadline not after claimDeadline");
        }
        if (p.maxDelegationDepth > MAX_DELEGATION_DEPTH) {
            revert TaskMarketBadParams("maxDelegationDepth > 8");
        }
        if (p.minAccuracy > WAD || p.minCompletion > WAD) {
            revert TaskMarketBadParams("karma minimum > 1e18");
        }
        uint16 fee = feeBps;
        if (p.feeBps != fee) revert TaskMarketFeeMismatch(fee, p.feeBps);

        taskId = keccak256(abi.encode(p));
        if (_tasks[taskId].status != Status.None) revert TaskMarketTaskExists(taskId);

        uint8 depth;
        uint8 maxDepth = p.maxDelegationDepth;
        if (p.parentTaskId != bytes32(0)) {
            TaskState memory parent = _tasks[p.parentTaskId];
            if (
                parent.status != Status.Claimed || parent.worker != msg.sender
                    || parent.depth >= parent.maxDepth
            ) revert TaskMarketBadParent(p.parentTaskId);
            depth = parent.depth + 1;
            uint256 own = uint256(depth) + p.maxDelegationDepth;
            maxDepth = own < parent.maxDepth ? uint8(own) : parent.maxDepth;
            _parent[taskId] = p.parentTaskId;
        }
        _tasks[taskId] = TaskState({
            worker: address(0),
            status: Status.Open,
            deadline: p.claimDeadline,
            depth: depth,
            maxDepth: maxDepth,
            reviewWindow: p.reviewWindow
        });
        // interaction last: the escrow pull (reentrancy-guarded; refuses short transfers)
        _pull(p.asset, p.payment);
        emit TaskPosted(taskId, msg.sender, p.domain, p);
    }

    /// @inheritdoc ITaskMarket
    function cancel(TaskParams calldata p) external nonReentrant {
        (bytes32 id, TaskState memory s) = _load(p);
        if (msg.sender != p.requester) revert TaskMarketUnauthorized(msg.sender, "requester");
        if (s.status != Status.Open) revert TaskMarketWrongStatus(id, s.status);
        _tasks[id].status = Status.Cancelled;
        _credit_(p.requester, p.asset, p.payment);
        emit TaskCancelled(id);
    }

    /// @inheritdoc ITaskMarket
    function accept(TaskParams calldata p) external nonReentrant {
        (bytes32 id, TaskState memory s) = _load(p);
        if (msg.sender != p.requester) revert TaskMarketUnauthorized(msg.sender, "requester");
        if (s.status != Status.Submitted) revert TaskMarketWrongStatus(id, s.status);
        _payWorker(id, p, s, false);
    }

    /// @inheritdoc ITaskMarket
    function reject(TaskParams calldata p, bytes32 evidence)
        external
        payable
        nonReentrant
        returns (uint256 disputeId)
    {
        (bytes32 id, TaskState memory s) = _load(p);
        if (msg.sender != p.requester) revert TaskMarketUnauthorized(msg.sender, "requester");
        if (s.status != Status.Submitted) revert TaskMarketWrongStatus(id, s.status);
        if (block.timestamp > s.deadline) revert TaskMarketDeadlinePassed(id, s.deadline);
        if (evidence == bytes32(0)) revert TaskMarketEmptyEvidence(id);
        bytes memory extra = abi.encode(p.domain, p.requester, s.worker);
        uint256 cost = arbitrator.arbitrationCost(extra);
        if (msg.value != cost) revert TaskMarketWrongValue(cost, msg.value);
        _tasks[id].status = Status.Disputed;
        // interaction with the fixed, trusted arbitrator; state is already Disputed
        disputeId = arbitrator.createDispute{value: cost}(RULING_CHOICES, extra);
        _disputeTask[disputeId] = id;
        emit TaskDisputed(id, disputeId, cost);
        emit Evidence(arbitrator, uint256(id), msg.sender, evidence);
    }

    // ---------------------------------------------------------------- either party

    /// @inheritdoc ITaskMarket
    function submitEvidence(TaskParams calldata p, bytes32 evidence) external {
        (bytes32 id, TaskState memory s) = _load(p);
        if (msg.sender != p.requester && msg.sender != s.worker) {
            revert TaskMarketUnauthorized(msg.sender, "requester or worker");
        }
        if (s.status != Status.Submitted && s.status != Status.Disputed) {
            revert TaskMarketWrongStatus(id, s.status);
        }
        if (evidence == bytes32(0)) revert TaskMarketEmptyEvidence(id);
        emit Evidence(arbitrator, uint256(id), msg.sender, evidence);
    }

    // ---------------------------------------------------------------- worker

    /// @inheritdoc ITaskMarket
    function claim(TaskParams calldata p) external payable nonReentrant {
        (bytes32 id, TaskState memory s) = _load(p);
        if (s.status != Status.Open) revert TaskMarketWrongStatus(id, s.status);
        if (block.timestamp > s.deadline) revert TaskMarketDeadlinePassed(id, s.deadline);
        if (msg.sender == p.requester) {
            revert TaskMarketUnauthorized(msg.sender, "not the requester");
        }
        if (registry.agentKeyOf(msg.sender) == bytes32(0)) {
            revert TaskMarketNotRegistered(msg.sender);
        }
        if (p.minAccuracy != 0 || p.minCompletion != 0) {
            (uint256 acc, uint256 comp) = karma.scores(msg.sender, p.domain);
            if (acc < p.minAccuracy || comp < p.minCompletion) {
                revert TaskMarketKarmaTooLow(p.domain, acc, comp);
            }
        }
        s.worker = msg.sender;
        s.status = Status.Claimed;
        s.deadline = p.completionDeadline;
        _tasks[id] = s;
        uint256 stake = _stake(p);
        _pull(p.asset, stake);
        emit TaskClaimed(id, msg.sender, stake);
    }

    /// @inheritdoc ITaskMarket
    function submit(bytes32 taskId, bytes32 resultHash) external {
        TaskState memory s = _tasks[taskId];
        if (s.status == Status.None) revert TaskMarketUnknownTask(taskId);
        if (s.status != Status.Claimed) revert TaskMarketWrongStatus(taskId, s.status);
        if (msg.sender != s.worker) revert TaskMarketUnauthorized(msg.sender, "worker");
        if (block.timestamp > s.deadline) revert TaskMarketDeadlinePassed(taskId, s.deadline);
        s.status = Status.Submitted;
        s.deadline = uint40(block.timestamp + s.reviewWindow);
        _tasks[taskId] = s;
        emit TaskSubmitted(taskId, msg.sender, resultHash);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ITaskMarket
    function finalize(TaskParams calldata p) external nonReentrant {
        (bytes32 id, TaskState memory s) = _load(p);
        if (s.status != Status.Submitted) revert TaskMarketWrongStatus(id, s.status);
        if (block.timestamp <= s.deadline) revert TaskMarketDeadlineNotPassed(id, s.deadline);
        _payWorker(id, p, s, true);
    }

    /// @inheritdoc ITaskMarket
    function expire(TaskParams calldata p) external nonReentrant {
        (bytes32 id, TaskState memory s) = _load(p);
        if (s.status != Status.Open && s.status != Status.Claimed) {
            revert TaskMarketWrongStatus(id, s.status);
        }
        if (block.timestamp <= s.deadline) revert TaskMarketDeadlineNotPassed(id, s.deadline);
        if (s.status == Status.Open) {
            _tasks[id].status = Status.Expired;
            _credit_(p.requester, p.asset, p.payment);
            emit TaskExpired(id);
        } else {
            _tasks[id].status = Status.Failed;
            uint256 amount = uint256(p.payment) + _stake(p);
            _credit_(p.requester, p.asset, amount);
            _recordChain(id, s, p.domain, IKarmaRegistry.Outcome.Failed, p.asset, 0);
            emit TaskFailed(id, s.worker, amount);
        }
    }

    /// @inheritdoc ITaskMarket
    function executeRuling(TaskParams calldata p) external nonReentrant {
        (bytes32 id, TaskState memory s) = _load(p);
        uint256 stake = _stake(p);
        uint256 ruling;
        uint256 toRequester;
        uint256 toWorker;
        uint256 fee;
        IKarmaRegistry.Outcome outcome;
        if (s.status == Status.RuledForWorker) {
            ruling = RULING_WORKER;
            fee = uint256(p.payment) * p.feeBps / BPS;
            toWorker = p.payment - fee + stake;
            outcome = IKarmaRegistry.Outcome.DisputeWon;
        } else if (s.status == Status.RuledForRequester) {
            ruling = RULING_REQUESTER;
            toRequester = uint256(p.payment) + stake;
            outcome = IKarmaRegistry.Outcome.DisputeLost;
        } else if (s.status == Status.RuledRefused) {
            ruling = RULING_REFUSED;
            toRequester = p.payment;
            toWorker = stake;
            outcome = IKarmaRegistry.Outcome.Refused;
        } else {
            revert TaskMarketWrongStatus(id, s.status);
        }
        _tasks[id].status = Status.Resolved;
        if (toRequester != 0) _credit_(p.requester, p.asset, toRequester);
        if (toWorker != 0) _credit_(s.worker, p.asset, toWorker);
        if (fee != 0) _credit_(feeRecipient, p.asset, fee);
        _recordChain(
            id, s, p.domain, outcome, p.asset, ruling == RULING_WORKER ? p.payment - fee : 0
        );
        emit TaskResolved(id, ruling, toRequester, toWorker, fee);
    }

    // ---------------------------------------------------------------- arbitrator

    /// @inheritdoc IArbitrable
    function rule(uint256 disputeId, uint256 ruling) external {
        bytes32 id = _disputeTask[disputeId];
        if (msg.sender != address(arbitrator) || id == bytes32(0)) {
            revert TaskMarketUnknownDispute(msg.sender, disputeId);
        }
        Status st = _tasks[id].status;
        if (st != Status.Disputed) revert TaskMarketWrongStatus(id, st);
        if (ruling > RULING_CHOICES) revert TaskMarketBadRuling(ruling);
        _tasks[id].status = ruling == RULING_WORKER
            ? Status.RuledForWorker
            : ruling == RULING_REQUESTER ? Status.RuledForRequester : Status.RuledRefused;
        emit TaskRuled(id, disputeId, ruling);
        emit Ruling(arbitrator, disputeId, ruling);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc ITaskMarket
    function withdraw(address asset, address to) external nonReentrant returns (uint256 amount) {
        amount = _withdraw(asset, to);
        if (amount == 0) revert TaskMarketNothingToWithdraw(msg.sender, asset);
    }

    /// @inheritdoc ITaskMarket
    function withdrawMany(address[] calldata assets, address to) external nonReentrant {
        uint256 total;
        for (uint256 i; i < assets.length; ++i) {
            total += _withdraw(assets[i], to) == 0 ? 0 : 1;
        }
        if (total == 0) {
            revert TaskMarketNothingToWithdraw(
                msg.sender, assets.length == 0 ? address(0) : assets[0]
            );
        }
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc ITaskMarket
    function setFee(uint16 feeBps_, address feeRecipient_) external onlyOwner {
        if (feeBps_ > MAX_FEE_BPS) revert TaskMarketFeeTooHigh(feeBps_, MAX_FEE_BPS);
        if (feeRecipient_ == address(0)) revert TaskMarketBadParams("fee recipient is zero");
        feeBps = feeBps_;
        feeRecipient = feeRecipient_;
        emit FeeSet(feeBps_, feeRecipient_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ITaskMarket
    function taskState(bytes32 taskId) external view returns (TaskState memory) {
        return _tasks[taskId];
    }

    /// @inheritdoc ITaskMarket
    function taskIdOf(TaskParams calldata p) external pure returns (bytes32) {
        return keccak256(abi.encode(p));
    }

    /// @inheritdoc ITaskMarket
    function stakeOf(TaskParams calldata p) external pure returns (uint256) {
        return _stake(p);
    }

    /// @inheritdoc ITaskMarket
    function balanceOf(address account, address asset) external view returns (uint256) {
        uint256 c = _credit[account][asset];
        return c == 0 ? 0 : c - 1;
    }

    /// @inheritdoc ITaskMarket
    function taskOfDispute(uint256 disputeId) external view returns (bytes32) {
        return _disputeTask[disputeId];
    }

    /// @inheritdoc ITaskMarket
    function parentOf(bytes32 taskId) external view returns (bytes32) {
        return _parent[taskId];
    }

    // ---------------------------------------------------------------- internals

    function _load(TaskParams calldata p) private view returns (bytes32 id, TaskState memory s) {
        id = keccak256(abi.encode(p));
        s = _tasks[id];
        if (s.status == Status.None) revert TaskMarketUnknownTask(id);
    }

    /// @dev ceil(payment × stakeBps / 10_000): a non-zero payment always carries a stake.
    function _stake(TaskParams calldata p) private pure returns (uint256) {
        return (uint256(p.payment) * p.stakeBps + BPS - 1) / BPS;
    }

    function _payWorker(bytes32 id, TaskParams calldata p, TaskState memory s, bool finalized)
        private
    {
        uint256 fee = uint256(p.payment) * p.feeBps / BPS;
        uint256 earned = p.payment - fee;
        uint256 toWorker = earned + _stake(p);
        _tasks[id].status = Status.Accepted;
        _credit_(s.worker, p.asset, toWorker);
        if (fee != 0) _credit_(feeRecipient, p.asset, fee);
        _recordChain(id, s, p.domain, IKarmaRegistry.Outcome.Accepted, p.asset, earned);
        emit TaskAccepted(id, s.worker, toWorker, fee, finalized);
    }

    /// @dev Karma for the worker (level 0) and, attenuated, for each delegator up the chain
    ///      (white paper §6.4: karma flows up and down). Bounded by MAX_DELEGATION_DEPTH.
    function _recordChain(
        bytes32 id,
        TaskState memory s,
        bytes32 domain,
        IKarmaRegistry.Outcome outcome,
        address asset,
        uint256 earned
    ) private {
        karma.record(s.worker, domain, outcome, 0, asset, earned);
        for (uint8 level = 1; level <= s.depth; ++level) {
            id = _parent[id];
            karma.record(_tasks[id].worker, domain, outcome, level, asset, 0);
        }
    }

    function _credit_(address account, address asset, uint256 amount) private {
        uint256 c = _credit[account][asset];
        _credit[account][asset] = (c == 0 ? 1 : c) + amount;
    }

    /// @dev Takes `amount` of `asset` from msg.sender. ETH: msg.value must equal it. ERC-20:
    ///      the balance must grow by at least `amount` (fee-on-transfer tokens are refused).
    function _pull(address asset, uint256 amount) private {
        if (asset == address(0)) {
            if (msg.value != amount) revert TaskMarketWrongValue(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert TaskMarketWrongValue(0, msg.value);
        IERC20 token = IERC20(asset);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received < amount) revert TaskMarketTransferShortfall(asset, amount, received);
    }

    function _withdraw(address asset, address to) private returns (uint256 amount) {
        uint256 c = _credit[msg.sender][asset];
        if (c <= 1) return 0;
        amount = c - 1;
        _credit[msg.sender][asset] = 1; // effect before the transfer (CEI)
        if (to == address(0)) to = msg.sender;
        if (asset == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert TaskMarketTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
        emit Withdrawn(msg.sender, asset, to, amount);
    }
}
