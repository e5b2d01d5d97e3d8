// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IArbitrator} from "./IArbitrator.sol";

/// @title IDisputeCourt — the AOS jury court (white paper §7.2, DESIGN.md "Disputes")
/// @notice An ERC-792 arbitrator whose rulings come from jurors drawn at random from a staked
///         pool, weighted by stake × karma, voting by commit–reveal, with appeals to larger
///         juries.
///
///         **Jurors.** A juror is a registered agent ({IAgentRegistry}: the court refuses
///         accounts without an Ed25519 key, so every juror has an off-chain identity and a
///         karma history) that stakes at least `minStake` of the stake asset (ETH or the one
///         ERC-20 fixed at construction). Leaving is two-step: {requestLeave}, then after
///         `leaveDelay` {executeLeave} takes out the free stake; stake locked in open
///         disputes stays (and can still be slashed) until those seats are settled.
///
///         **Lifecycle of a dispute** (every waiting state has a deadline; after it, anyone
///         calls {advance} and gets the stated result):
///         ```
///         Drawing ──all seats drawn──▶ Commit ──all committed──▶ Reveal ──all revealed──▶ Appeal
///           │ deadline: unstaffed           │ deadline: go to Reveal   │ deadline: tally   │ appeal funded
///           ▼ round 0: ruling 0, final;     │ (no commit at all:       ▼                   ▼
///             appeal round: previous ruling │  tally at once)        Appeal ◀── (tally)  Drawing (2n+1)
///             final; fee refunded           ▼                        │ deadline: Solved (ruling delivered)
///                                        (tally)                     │ last round: Solved at tally
///         ```
///         Tally: the ruling is the choice with strictly the most revealed votes; a tie at the
///         top (including no votes at all) rules 0, "refused to rule".
///
///         **Money.** Each seat locks `minStake` of the juror's free stake; `penalty =
///         minStake × alphaBps / 10_000` of it moves at draw time into the round's pot. When
///         the dispute is Solved every seat is settled on its own ({settle}, anyone, any
///         order): a juror that revealed the final ruling is coherent and gets its penalty
///         back, `fee / c` of the round's arbitration fee (wei) and `(n − c) × penalty / c` of
///         the others' penalties (stake asset), where n = seats and c = coherent seats of that
///         round; all others (minority, committed-but-silent, absent) lose their penalty. The
///         integer-division remainders — and the whole pot of a round without a coherent
///         juror — go to the treasury (withdrawn by the owner). Rewards are credited to
///         balances that owners {withdraw} (pull payments).
interface IDisputeCourt is IArbitrator {
    /// @notice Parameters fixed at construction.
    /// @param minStake Minimum stake to join, and the stake locked per seat (stake-asset
    ///        units; wei for ETH).
    /// @param weightCap Stake counted for draw weight is capped at this (per address); ≥ minStake.
    /// @param karmaFloor WAD; a juror's decayed accuracy in the dispute's domain must be ≥ this
    ///        (not applied to disputes without a domain).
    /// @param feePerJuror Arbitration fee per seat, in wei (always paid in ETH).
    /// @param alphaBps Share of a seat's locked stake an incoherent or absent juror loses (bps).
    /// @param minJurors Seats in round 0; round r+1 has 2n+1 seats when round r had n.
    /// @param maxRounds Rounds a dispute may have (1..8); the last round's ruling is final.
    /// @param drawPeriod Seconds to fill all seats of a round.
    /// @param commitPeriod Seconds for commits once all seats are drawn.
    /// @param revealPeriod Seconds for reveals once the commit phase ends.
    /// @param appealPeriod Seconds in which a ruling may be appealed.
    /// @param leaveDelay Seconds between {requestLeave} and {executeLeave}.
    struct CourtParams {
        uint88 minStake;
        uint88 weightCap;
        uint64 karmaFloor;
        uint128 feePerJuror;
        uint16 alphaBps;
        uint16 minJurors;
        uint8 maxRounds;
        uint32 drawPeriod;
        uint32 commitPeriod;
        uint32 revealPeriod;
        uint32 appealPeriod;
        uint32 leaveDelay;
    }

    /// @notice A juror's record (one slot).
    /// @param stake Stake owned in the court (stake-asset units), excluding penalties sitting
    ///        in round pots.
    /// @param locked Part of `stake` reserved by open seats (`minStake − penalty` per seat).
    /// @param stakedSince Unix seconds of the last stake increase by the juror; a juror is
    ///        drawable only in rounds that opened at or after it.
    /// @param leaveRequestedAt Unix seconds of a pending {requestLeave}, else 0; the juror is
    ///        not drawable in rounds that opened after it.
    /// @param listed Whether the address is in the (append-only) pool array.
    struct Juror {
        uint88 stake;
        uint88 locked;
        uint32 stakedSince;
        uint32 leaveRequestedAt;
        bool listed;
    }

    /// @notice Where a dispute is.
    enum Phase {
        None,
        Drawing,
        Commit,
        Reveal,
        Appeal,
        Solved
    }

    /// @notice A dispute (the first slot) — see {disputeOf}.
    /// @param arbitrable Who created it and receives the ruling.
    /// @param phase See {Phase}.
    /// @param round Current round (0-based).
    /// @param choices Number of ruling options (1..15).
    /// @param ruling The current ruling (final once Solved).
    /// @param deadline End of the current phase (unix seconds).
    /// @param delivered Whether {IArbitrable.rule} has been called successfully.
    struct Dispute {
        address arbitrable;
        Phase phase;
        uint8 round;
        uint8 choices;
        uint8 ruling;
        uint40 deadline;
        bool delivered;
    }

    /// @notice One round of a dispute.
    /// @param randomnessId Request id at the randomness source.
    /// @param openedAt Unix seconds the round opened (stake/leave eligibility cut-off).
    /// @param poolSize Pool length when the round opened (only those indices are drawn).
    /// @param nonce Draw iterations used so far.
    /// @param jurors Seats to fill.
    /// @param drawn Seats filled.
    /// @param commits Seats that committed.
    /// @param unstaffed Whether the round failed to fill its seats (seats released).
    struct Round {
        uint64 randomnessId;
        uint40 openedAt;
        uint32 poolSize;
        uint32 nonce;
        uint16 jurors;
        uint16 drawn;
        uint16 commits;
        bool unstaffed;
    }

    /// @notice A juror's seat in a round.
    enum SeatState {
        None,
        Drawn,
        Committed,
        Revealed,
        Settled
    }

    /// @notice A juror's seat (one slot). `commitment` keeps the low 240 bits of the
    ///         commitment hash (see {commitmentOf}).
    struct Seat {
        SeatState state;
        uint8 choice;
        uint240 commitment;
    }

    /// @notice What {settle} found for a seat.
    enum Verdict {
        Released,
        Coherent,
        Incoherent,
        Absent
    }

    /// @notice `juror` added `amount` to its stake (now `stake`).
    event JurorStaked(address indexed juror, uint256 amount, uint256 stake);
    /// @notice `juror` asked to leave; {executeLeave} possible from `availableAt`.
    event JurorLeaveRequested(address indexed juror, uint256 availableAt);
    /// @notice `juror` took `amount` of free stake out (credited to its balance).
    event JurorLeft(address indexed juror, uint256 amount, uint256 stakeLeft);
    /// @notice A round opened: `jurors` seats, randomness request `randomnessId`.
    event RoundOpened(
        uint256 indexed disputeId,
        uint256 round,
        uint256 jurors,
        uint256 randomnessId,
        uint256 feePaid
    );
    /// @notice The randomness request of a round expired and was replaced.
    event RandomnessRerequested(uint256 indexed disputeId, uint256 round, uint256 randomnessId);
    /// @notice `juror` was drawn into a seat of `round`.
    event JurorDrawn(uint256 indexed disputeId, uint256 round, address indexed juror);
    /// @notice The dispute entered `phase`, which ends at `deadline` (unix seconds).
    event PhaseChanged(uint256 indexed disputeId, Phase phase, uint256 deadline);
    /// @notice `juror` committed.
    event VoteCommitted(
        uint256 indexed disputeId, uint256 round, address indexed juror, bytes32 commitment
    );
    /// @notice `juror` revealed `choice`.
    event VoteRevealed(
        uint256 indexed disputeId, uint256 round, address indexed juror, uint256 choice
    );
    /// @notice A round was tallied; `ruling` is its result.
    event RoundTallied(
        uint256 indexed disputeId, uint256 round, uint256 ruling, uint256 votesForRuling
    );
    /// @notice A round could not fill its seats; its fee (wei) was refunded to `refundTo`.
    event RoundUnstaffed(uint256 indexed disputeId, uint256 round, address refundTo, uint256 fee);
    /// @notice The ruling is final.
    event DisputeSolved(uint256 indexed disputeId, uint256 ruling);
    /// @notice Calling {IArbitrable.rule} failed; {advance} retries.
    event RulingDeliveryFailed(uint256 indexed disputeId);
    /// @notice A seat was settled: `stakeBack` returned to stake, rewards credited (fee in wei,
    ///         `stakeReward` in stake-asset units).
    event SeatSettled(
        uint256 indexed disputeId,
        uint256 round,
        address indexed juror,
        Verdict verdict,
        uint256 stakeBack,
        uint256 feeReward,
        uint256 stakeReward
    );
    /// @notice Remainders credited to the treasury.
    event TreasuryCredited(address indexed asset, uint256 amount);
    /// @notice `account` withdrew `amount` of `asset` to `to`.
    event Withdrawn(address indexed account, address indexed asset, address to, uint256 amount);

    /// @notice A constructor parameter is out of range; `reason` names it.
    error DisputeCourtBadParams(string reason);
    /// @notice The caller has no agent key in the AgentRegistry.
    error DisputeCourtNotRegistered(address account);
    /// @notice msg.value is not what the call needs (wei).
    error DisputeCourtWrongValue(uint256 expected, uint256 given);
    /// @notice An ERC-20 transfer delivered less than asked.
    error DisputeCourtTransferShortfall(uint256 expected, uint256 received);
    /// @notice The stake after the call would be below `minStake`, or above the uint88 range.
    error DisputeCourtBadStake(uint256 stake);
    /// @notice No pending leave, or its delay has not passed (`availableAt`, unix seconds).
    error DisputeCourtLeaveNotReady(address juror, uint256 availableAt);
    /// @notice Nothing free to take out (all stake locked).
    error DisputeCourtNothingFree(address juror);
    /// @notice `choices` is not in 1..15.
    error DisputeCourtBadChoices(uint256 choices);
    /// @notice extraData is neither empty nor `abi.encode(bytes32, address, address)`.
    error DisputeCourtBadExtraData();
    /// @notice No such dispute.
    error DisputeCourtUnknownDispute(uint256 disputeId);
    /// @notice The dispute is not in the phase the call needs.
    error DisputeCourtWrongPhase(uint256 disputeId, Phase phase);
    /// @notice The phase's deadline (unix seconds) has passed: call {advance}.
    error DisputeCourtDeadlinePassed(uint256 disputeId, uint256 deadline);
    /// @notice Nothing to do yet: the phase's deadline (unix seconds) has not passed.
    error DisputeCourtDeadlineNotPassed(uint256 disputeId, uint256 deadline);
    /// @notice The randomness for the round is not available yet.
    error DisputeCourtRandomnessPending(uint256 disputeId, uint256 randomnessId);
    /// @notice The caller's seat is not in the state the call needs.
    error DisputeCourtWrongSeat(uint256 disputeId, uint256 round, address juror, SeatState state);
    /// @notice The commitment is zero.
    error DisputeCourtZeroCommitment();
    /// @notice (choice, salt) do not match the caller's commitment.
    error DisputeCourtBadReveal(uint256 disputeId, address juror);
    /// @notice The choice is above the dispute's `choices`.
    error DisputeCourtBadChoice(uint256 choice);
    /// @notice The ruling is final (no appeal: last round, or not in the appeal window).
    error DisputeCourtNotAppealable(uint256 disputeId);
    /// @notice The round does not exist or has no seats to settle yet.
    error DisputeCourtRoundNotSettleable(uint256 disputeId, uint256 round);
    /// @notice Nothing to withdraw.
    error DisputeCourtNothingToWithdraw(address account, address asset);
    /// @notice Sending ETH failed (try another `to`).
    error DisputeCourtTransferFailed(address to, uint256 amount);

    // ------------------------------------------------------------------ jurors

    /// @notice Stake `amount` (stake-asset units) and enter the pool (or top up).
    /// @dev A top-up resets `stakedSince`: the juror is not drawable in rounds already open
    ///      (otherwise stake could be added after the seed is known), and cancels a pending
    ///      leave.
    /// Requirements: caller registered in the AgentRegistry; ETH: msg.value == amount;
    /// ERC-20: msg.value == 0 and the full amount arrives; resulting stake ≥ minStake.
    /// Emits {JurorStaked}.
    function join(uint256 amount) external payable;

    /// @notice Start leaving. Requirements: stake > 0. Emits {JurorLeaveRequested}.
    function requestLeave() external;

    /// @notice After `leaveDelay`, move the free stake (stake − locked) to the caller's
    ///         balance ({withdraw}). Locked stake stays until its seats are settled, and may
    ///         still be slashed; call again then.
    /// @return amount Stake-asset units credited.
    /// Requirements: a pending leave whose delay passed; free stake > 0. Emits {JurorLeft}.
    function executeLeave() external returns (uint256 amount);

    // ------------------------------------------------------------------ disputes

    /// @notice Draw jurors for the current round: up to `maxIterations` candidates, each a
    ///         uniformly random pool index accepted with probability
    ///         `min(stake, weightCap) × karma / (weightCap × 1e18)` (rejection sampling:
    ///         the drawn juror's probability is proportional to capped stake × karma), and
    ///         skipped when ineligible (a party or a party's agent key, not registered, below
    ///         the karma floor, free stake < minStake, joined or topped up after the round
    ///         opened, leaving, already seated). Anyone; the result does not depend on how
    ///         the work is split into calls.
    /// @return drawn Seats filled by this call.
    /// Requirements: phase Drawing, not past the deadline, randomness ready (an expired
    /// request is replaced and the call returns 0). Emits {JurorDrawn} per seat and
    /// {PhaseChanged} when the last seat is filled.
    function draw(uint256 disputeId, uint256 maxIterations) external returns (uint256 drawn);

    /// @notice Commit a vote: `commitment = commitmentOf(disputeId, round, msg.sender, choice, salt)`.
    /// Requirements: phase Commit, not past the deadline, caller holds an uncommitted seat.
    /// Emits {VoteCommitted}; {PhaseChanged} when the last seat commits.
    function commit(uint256 disputeId, bytes32 commitment) external;

    /// @notice Reveal the committed vote. Requirements: phase Reveal, not past the deadline,
    /// caller's seat committed, the commitment matches, `choice` ≤ choices.
    /// Emits {VoteRevealed}; {RoundTallied} when the last committed seat reveals.
    function reveal(uint256 disputeId, uint256 choice, bytes32 salt) external;

    /// @notice Move a dispute past an expired deadline, with the documented result per phase
    ///         (see the contract NatSpec), and deliver the final ruling to the arbitrable —
    ///         retried on each call until {IArbitrable.rule} succeeds once.
    /// Requirements: the current phase's deadline has passed, or the dispute is Solved and
    /// the ruling undelivered. Anyone.
    function advance(uint256 disputeId) external;

    /// @notice Settle `juror`'s seat in `round` once the dispute is Solved (or the round was
    ///         unstaffed): unlock, return or keep the penalty, credit rewards, record jury
    ///         karma (Coherent / Incoherent / Absent; nothing for a released seat). Anyone.
    /// Emits {SeatSettled}.
    function settle(uint256 disputeId, uint256 round, address juror) external;

    /// @notice Withdraw the caller's balance of `asset` (address(0) = ETH) to `to`
    ///         (address(0) = the caller). Emits {Withdrawn}.
    function withdraw(address asset, address to) external returns (uint256 amount);

    /// @notice Withdraw the treasury's balance of `asset` to `to`. Owner only.
    function withdrawTreasury(address asset, address to) external returns (uint256 amount);

    // ------------------------------------------------------------------ views

    /// @notice `keccak256(abi.encode(choice, salt, juror, disputeId, round))` — abi.encode,
    ///         not encodePacked, so no two argument lists share an encoding.
    function commitmentOf(
        uint256 disputeId,
        uint256 round,
        address juror,
        uint256 choice,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice How a round's pot divides among `coherent` of `seats` jurors: per coherent
    ///         juror `feeShare` (wei) and `stakeShare` (stake asset; on top of its own penalty
    ///         back); `feeRemainder` + `stakeRemainder` go to the treasury. With no coherent
    ///         juror everything is remainder. Invariant:
    ///         `coherent × feeShare + feeRemainder == fee` and
    ///         `coherent × stakeShare + stakeRemainder == (seats − coherent) × penalty`.
    function splitPot(uint256 fee, uint256 penalty, uint256 seats, uint256 coherent)
        external
        pure
        returns (uint256 feeShare, uint256 stakeShare, uint256 feeRemainder, uint256 stakeRemainder);

    /// @notice The parameters.
    function params() external view returns (CourtParams memory);

    /// @notice The stake asset (address(0) = ETH).
    function stakeToken() external view returns (address);

    /// @notice Penalty per seat: minStake × alphaBps / 10_000 (stake-asset units).
    function penalty() external view returns (uint256);

    /// @notice Seats in `round` (0-based): minJurors, then 2n+1.
    function jurorsInRound(uint256 round) external view returns (uint256);

    /// @notice A juror's record.
    function jurorOf(address juror) external view returns (Juror memory);

    /// @notice Pool length (append-only; includes addresses whose stake is now zero).
    function poolSize() external view returns (uint256);

    /// @notice The pool address at `index`.
    function poolAt(uint256 index) external view returns (address);

    /// @notice A dispute's main record.
    function disputeOf(uint256 disputeId) external view returns (Dispute memory);

    /// @notice A dispute's domain and parties as decoded from extraData.
    function partiesOf(uint256 disputeId)
        external
        view
        returns (bytes32 domain, address requester, address worker);

    /// @notice A round of a dispute.
    function roundOf(uint256 disputeId, uint256 round) external view returns (Round memory);

    /// @notice Revealed votes for `choice` in a round.
    function votesFor(uint256 disputeId, uint256 round, uint256 choice)
        external
        view
        returns (uint256);

    /// @notice A juror's seat in a round.
    function seatOf(uint256 disputeId, uint256 round, address juror)
        external
        view
        returns (Seat memory);

    /// @notice Withdrawable balance of `account` in `asset`.
    function balanceOf(address account, address asset) external view returns (uint256);

    /// @notice Treasury balance in `asset`.
    function treasuryBalance(address asset) external view returns (uint256);

    /// @notice Number of disputes created (ids are 1..disputeCount).
    function disputeCount() external view returns (uint256);
}
