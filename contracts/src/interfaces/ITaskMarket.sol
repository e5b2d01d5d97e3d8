// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrator} from "./IArbitrator.sol";

/// @title ITaskMarket — escrowed tasks, worker stakes, disputes, pull payments
/// @notice White paper §7.2 payment flow: the requester locks the payment in escrow; a
///         registered agent claims by staking a fraction of it (default 10%); submits the
///         result's hash; the requester accepts (or the review window passes) and the worker
///         is paid plus its stake back; a rejection goes to an ERC-792 arbitrator; missed
///         deadlines refund the requester, who also takes the stake of a worker that never
///         delivered. Karma is updated for every outcome (§5.3) through the KarmaRegistry.
/// @dev Tasks are content-addressed: `taskId = keccak256(abi.encode(TaskParams))`. Only a
///      one-slot {TaskState} lives in storage; every call that needs the terms takes the
///      {TaskParams} in calldata and is checked against the id. The full terms are in
///      {TaskPosted}, so the indexer (and `cast`) can always rebuild them. Because the
///      payment is part of the id, a claim names the exact payment it expects: a task whose
///      payment changed is a different task, and the claim reverts.
///      Value never leaves on settlement: every settlement credits balances that their owners
///      {withdraw} (pull payments), so a reverting or gas-burning receiver blocks nobody.
///      Evidence (ERC-1497 style, see {Evidence}): the requester's rejection carries its
///      verdict, and either party may add more while the task is Submitted or Disputed.
interface ITaskMarket is IArbitrable {
    /// @notice The immutable terms of a task. `taskId = keccak256(abi.encode(params))`.
    /// @param requester Who posts and pays; must be msg.sender of {postTask}.
    /// @param asset address(0) = ETH, else an ERC-20 (fee-on-transfer tokens are refused).
    /// @param payment Escrowed payment in asset units (wei for ETH); > 0.
    /// @param stakeBps Worker stake as bps of `payment` (1..10_000; default 1_000 = 10%),
    ///        rounded up; paid in `asset`.
    /// @param feeBps Protocol fee in bps of `payment`; must equal {feeBps} at posting.
    /// @param claimDeadline Unix seconds; claims allowed while `block.timestamp <= claimDeadline`.
    /// @param completionDeadline Unix seconds; submit allowed while `<= completionDeadline`.
    /// @param reviewWindow Seconds after submission in which the requester may reject.
    /// @param maxDelegationDepth How many levels of sub-tasks may hang below (≤ 8).
    /// @param minAccuracy WAD; claimant's decayed accuracy in `domain` must be ≥ this.
    /// @param minCompletion WAD; claimant's decayed completion rate in `domain` must be ≥ this.
    /// @param domain Short UTF-8 name right-padded to bytes32 (e.g. "summarisation").
    /// @param specHash BLAKE3 id of the task spec blob (white paper §6.2).
    /// @param parentTaskId Parent task id for a sub-task (§4.3, §6.4), else zero.
    /// @param salt Requester-chosen, makes otherwise identical tasks distinct.
    struct TaskParams {
        address requester;
        address asset;
        uint128 payment;
        uint16 stakeBps;
        uint16 feeBps;
        uint40 claimDeadline;
        uint40 completionDeadline;
        uint32 reviewWindow;
        uint8 maxDelegationDepth;
        uint64 minAccuracy;
        uint64 minCompletion;
        bytes32 domain;
        bytes32 specHash;
        bytes32 parentTaskId;
        uint96 salt;
    }

    /// @notice Lifecycle (DESIGN.md "Task lifecycle"). Terminal: Accepted, Cancelled,
    ///         Expired, Failed, Resolved.
    enum Status {
        None,
        Open,
        Claimed,
        Submitted,
        Disputed,
        RuledRefused,
        RuledForRequester,
        RuledForWorker,
        Accepted,
        Cancelled,
        Expired,
        Failed,
        Resolved
    }

    /// @notice The mutable part of a task, one storage slot.
    /// @param worker The claimant (zero while Open).
    /// @param status See {Status}.
    /// @param deadline The deadline of the current stage (unix seconds): claim deadline while
    ///        Open, completion deadline while Claimed, end of the review window while
    ///        Submitted.
    /// @param depth Delegation depth (0 for a root task).
    /// @param maxDepth Deepest level allowed below the root, inherited by sub-tasks.
    /// @param reviewWindow Copy of the term, in seconds.
    struct TaskState {
        address worker;
        Status status;
        uint40 deadline;
        uint8 depth;
        uint8 maxDepth;
        uint32 reviewWindow;
    }

    /// @notice Rulings of this market's disputes (ERC-792 `_choices = 2`).
    /// 0 = refused to rule: payment back to the requester, stake back to the worker.
    /// 1 = requester wins: payment and the worker's stake to the requester.
    /// 2 = worker wins: payment (minus fee) and its stake to the worker.
    function RULING_CHOICES() external view returns (uint256);

    /// @notice A task was posted with `params` (everything needed to call the market again).
    event TaskPosted(
        bytes32 indexed taskId, address indexed requester, bytes32 indexed domain, TaskParams params
    );
    /// @notice `worker` claimed `taskId` with `stake` (asset units).
    event TaskClaimed(bytes32 indexed taskId, address indexed worker, uint256 stake);
    /// @notice `worker` submitted the BLAKE3 hash of the result blob.
    event TaskSubmitted(bytes32 indexed taskId, address indexed worker, bytes32 resultHash);
    /// @notice Settled in the worker's favour: accepted by the requester (`finalized` false)
    ///         or after the review window (`finalized` true). Amounts in asset units.
    event TaskAccepted(
        bytes32 indexed taskId,
        address indexed worker,
        uint256 workerAmount,
        uint256 fee,
        bool finalized
    );
    /// @notice The requester rejected; `disputeId` at the arbitrator; `bond` in wei.
    event TaskDisputed(bytes32 indexed taskId, uint256 indexed disputeId, uint256 bond);
    /// @notice `party` (the requester or the worker) put `evidence` on record for the task
    ///         whose id is `evidenceGroupId`, for `arbitrator` to consider.
    /// @dev ERC-1497 (Evidence Standard) `Evidence` event with one deviation: `evidence` is
    ///      the BLAKE3 id of a content-addressed blob (the same convention as `resultHash` and
    ///      `specHash`), not a string URI to a JSON file, so the blob cannot change after the
    ///      event and a reader fetches it from any blob store by id. Never zero.
    ///      `evidenceGroupId = uint256(taskId)`: every piece of evidence about one task shares
    ///      a group, before and after the dispute opens ({TaskDisputed} links the group to the
    ///      arbitrator's dispute id).
    /// @param arbitrator The market's ERC-792 arbitrator.
    /// @param evidenceGroupId `uint256(taskId)`.
    /// @param party msg.sender: the task's requester or worker.
    /// @param evidence BLAKE3 id (32 bytes) of the evidence blob.
    event Evidence(
        IArbitrator indexed arbitrator,
        uint256 indexed evidenceGroupId,
        address indexed party,
        bytes32 evidence
    );
    /// @notice The arbitrator ruled.
    event TaskRuled(bytes32 indexed taskId, uint256 indexed disputeId, uint256 ruling);
    /// @notice The ruling was executed: amounts credited to requester and worker.
    event TaskResolved(
        bytes32 indexed taskId,
        uint256 ruling,
        uint256 requesterAmount,
        uint256 workerAmount,
        uint256 fee
    );
    /// @notice The requester cancelled an unclaimed task; payment credited back.
    event TaskCancelled(bytes32 indexed taskId);
    /// @notice Nobody claimed before the claim deadline; payment credited back.
    event TaskExpired(bytes32 indexed taskId);
    /// @notice The worker missed the completion deadline: payment and stake to the requester.
    event TaskFailed(bytes32 indexed taskId, address indexed worker, uint256 requesterAmount);
    /// @notice `account` withdrew `amount` of `asset` to `to`.
    event Withdrawn(address indexed account, address indexed asset, address to, uint256 amount);
    /// @notice The protocol fee changed (applies to tasks posted afterwards).
    event FeeSet(uint16 feeBps, address feeRecipient);

    /// @notice No task with this id, or `params` do not hash to it.
    error TaskMarketUnknownTask(bytes32 taskId);
    /// @notice The task is not in the status the call needs.
    error TaskMarketWrongStatus(bytes32 taskId, Status status);
    /// @notice A task with the same terms exists (change the salt).
    error TaskMarketTaskExists(bytes32 taskId);
    /// @notice A term is out of range; `reason` names it.
    error TaskMarketBadParams(string reason);
    /// @notice `params.feeBps` differs from the market's current fee.
    error TaskMarketFeeMismatch(uint16 expected, uint16 given);
    /// @notice msg.value is not what the call needs (wei).
    error TaskMarketWrongValue(uint256 expected, uint256 given);
    /// @notice An ERC-20 transfer delivered less than asked (fee-on-transfer tokens refused).
    error TaskMarketTransferShortfall(address asset, uint256 expected, uint256 received);
    /// @notice The caller may not do this (`role` names who may).
    error TaskMarketUnauthorized(address caller, string role);
    /// @notice The claimant has no agent key in the AgentRegistry.
    error TaskMarketNotRegistered(address account);
    /// @notice The claimant's decayed karma is below a minimum (WAD).
    error TaskMarketKarmaTooLow(bytes32 domain, uint256 accuracy, uint256 completion);
    /// @notice The deadline (unix seconds) has passed.
    error TaskMarketDeadlinePassed(bytes32 taskId, uint40 deadline);
    /// @notice The deadline (unix seconds) has not passed yet.
    error TaskMarketDeadlineNotPassed(bytes32 taskId, uint40 deadline);
    /// @notice The parent task cannot take a sub-task here.
    error TaskMarketBadParent(bytes32 parentTaskId);
    /// @notice The caller is not the arbitrator, or the dispute is unknown.
    error TaskMarketUnknownDispute(address arbitrator, uint256 disputeId);
    /// @notice The ruling is out of range.
    error TaskMarketBadRuling(uint256 ruling);
    /// @notice Nothing to withdraw.
    error TaskMarketNothingToWithdraw(address account, address asset);
    /// @notice Sending the withdrawal failed (try another `to`).
    error TaskMarketTransferFailed(address to, uint256 amount);
    /// @notice The fee is above the cap (bps).
    error TaskMarketFeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    /// @notice Evidence must name a blob: the zero id is refused (a rejection must carry its
    ///         reason).
    error TaskMarketEmptyEvidence(bytes32 taskId);

    /// @notice Post a task and escrow its payment.
    /// @param params Terms; `params.requester == msg.sender`, `params.feeBps == feeBps()`.
    ///        For a sub-task, msg.sender must be the parent's worker while the parent is
    ///        Claimed, and the parent's depth must be below its max depth.
    /// @return taskId `keccak256(abi.encode(params))`.
    /// Requirements: ETH: msg.value == payment; ERC-20: msg.value == 0, allowance ≥ payment,
    /// and the full amount must arrive. Emits {TaskPosted}.
    function postTask(TaskParams calldata params) external payable returns (bytes32 taskId);

    /// @notice Cancel an unclaimed task; the payment is credited back to the requester.
    /// Requirements: caller is the requester; status Open. Emits {TaskCancelled}.
    function cancel(TaskParams calldata params) external;

    /// @notice Claim a task by staking `ceil(payment × stakeBps / 10_000)` in its asset.
    /// Requirements: status Open; not past the claim deadline; caller is registered, is not
    /// the requester, and meets the karma minimums; ETH: msg.value == stake; ERC-20:
    /// msg.value == 0 and the stake arrives in full. Emits {TaskClaimed}.
    function claim(TaskParams calldata params) external payable;

    /// @notice Submit the BLAKE3 hash of the result blob.
    /// Requirements: caller is the worker; status Claimed; not past the completion deadline.
    /// Emits {TaskSubmitted}.
    function submit(bytes32 taskId, bytes32 resultHash) external;

    /// @notice Accept the result: payment (minus fee) and stake credited to the worker.
    /// Requirements: caller is the requester; status Submitted. Emits {TaskAccepted}.
    function accept(TaskParams calldata params) external;

    /// @notice Reject the result within the review window, paying the arbitrator's
    ///         `arbitrationCost` (wei) as msg.value; the task becomes Disputed and the
    ///         requester's verdict goes on record in the same transaction.
    /// @param params The task's terms.
    /// @param evidence BLAKE3 id of the verdict blob (why the result is rejected); non-zero.
    /// @return disputeId The arbitrator's dispute id.
    /// Requirements: caller is the requester; status Submitted; within the review window;
    /// `evidence` non-zero; msg.value == `arbitrationCost` (wei).
    /// Emits {TaskDisputed}, then {Evidence} (party = requester).
    function reject(TaskParams calldata params, bytes32 evidence)
        external
        payable
        returns (uint256 disputeId);

    /// @notice Put a piece of evidence on record: the requester's verdict or further
    ///         arguments, the worker's reply. The market only records it (no state changes);
    ///         the arbitrator's jurors read it from the {Evidence} events.
    /// @param params The task's terms.
    /// @param evidence BLAKE3 id of the evidence blob; non-zero.
    /// Requirements: caller is the requester or the worker; status Submitted (before or
    /// without a rejection) or Disputed (until the arbitrator rules); `evidence` non-zero.
    /// Emits {Evidence}.
    function submitEvidence(TaskParams calldata params, bytes32 evidence) external;

    /// @notice Settle a submitted task whose review window has passed, as accepted.
    /// Requirements: status Submitted; past the review window. Anyone. Emits {TaskAccepted}.
    function finalize(TaskParams calldata params) external;

    /// @notice Time out a task: unclaimed past the claim deadline → payment back (Expired);
    ///         claimed past the completion deadline without a submission → payment and stake
    ///         to the requester (Failed). Anyone. Emits {TaskExpired} or {TaskFailed}.
    function expire(TaskParams calldata params) external;

    /// @notice Execute the arbitrator's ruling (see {RULING_CHOICES}). Anyone.
    /// Emits {TaskResolved}.
    function executeRuling(TaskParams calldata params) external;

    /// @notice Withdraw the caller's balance of `asset` to `to`.
    /// @return amount Asset units sent.
    /// Emits {Withdrawn}.
    function withdraw(address asset, address to) external returns (uint256 amount);

    /// @notice Withdraw several assets at once (batch); assets with a zero balance are skipped.
    function withdrawMany(address[] calldata assets, address to) external;

    /// @notice Set the protocol fee (≤ {MAX_FEE_BPS}) and its recipient. Owner only.
    /// Applies to tasks posted afterwards. Emits {FeeSet}.
    function setFee(uint16 feeBps, address feeRecipient) external;

    /// @notice The task's mutable state.
    function taskState(bytes32 taskId) external view returns (TaskState memory);

    /// @notice The id `params` hash to.
    function taskIdOf(TaskParams calldata params) external pure returns (bytes32);

    /// @notice The stake `params` require (asset units).
    function stakeOf(TaskParams calldata params) external pure returns (uint256);

    /// @notice Withdrawable balance of `account` in `asset`.
    function balanceOf(address account, address asset) external view returns (uint256);

    /// @notice The task for an arbitrator dispute id (zero if none).
    function taskOfDispute(uint256 disputeId) external view returns (bytes32);

    /// @notice The parent of a sub-task (zero for a root task).
    function parentOf(bytes32 taskId) external view returns (bytes32);

    /// @notice The current protocol fee in bps and its recipient.
    function feeBps() external view returns (uint16);

    /// @notice The fee recipient.
    function feeRecipient() external view returns (address);

    /// @notice Cap on the protocol fee: 500 bps (5%).
    function MAX_FEE_BPS() external view returns (uint16);
}
