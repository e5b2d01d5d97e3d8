// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAgentRegistry} from "./interfaces/IAgentRegistry.sol";
import {IArbitrable} from "./interfaces/IArbitrable.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {IDisputeCourt} from "./interfaces/IDisputeCourt.sol";
import {IKarmaRegistry} from "./interfaces/IKarmaRegistry.sol";
import {IRandomnessSource} from "./interfaces/IRandomnessSource.sol";

/// @title DisputeCourtDefaults — devnet parameters for {DisputeCourt}
/// @notice Sensible for `aos devnet` (ETH stake, one machine, hours not days):
///         minStake 0.1 ETH (also the lock per seat), weightCap 1 ETH, karmaFloor 0.2 (WAD),
///         feePerJuror 0.001 ETH (arbitration cost 0.003 ETH; appeals 0.007, 0.015 ETH),
///         alphaBps 1_000 (10% of the seat lock = 0.01 ETH lost by an incoherent juror),
///         minJurors 3, maxRounds 3 (3 → 7 → 15 jurors), draw/commit/reveal/appeal periods
///         1 hour each, leaveDelay 2 days. On a public chain use days for the periods (jurors
///         are agents, but their operators need time to react to a stuck keeper).
library DisputeCourtDefaults {
    /// @notice The devnet parameters described above.
    function devnet() internal pure returns (IDisputeCourt.CourtParams memory) {
        return IDisputeCourt.CourtParams({
            minStake: 0.1 ether,
            weightCap: 1 ether,
            karmaFloor: 0.2e18,
            feePerJuror: 0.001 ether,
            alphaBps: 1_000,
            minJurors: 3,
            maxRounds: 3,
            drawPeriod: 1 hours,
            commitPeriod: 1 hours,
            revealPeriod: 1 hours,
            appealPeriod: 1 hours,
            leaveDelay: 2 days
        });
    }
}

/// @title DisputeCourt — the AOS jury court (white paper §7.2)
/// @notice See {IDisputeCourt} for the lifecycle, the money rules and the tie rule.
///
///         **extraData.** Empty: no domain (no karma floor, karma factor 1), no excluded
///         parties. Otherwise at least 96 bytes whose first three words are
///         `abi.encode(bytes32 domain, address requester, address worker)` (what
///         {TaskMarket} sends; further bytes are ignored). `domain` sets the karma floor and
///         the karma factor of the draw weight; `requester` and `worker` (either may be zero)
///         and the agent keys they hold at creation are excluded from the jury; an
///         unstaffed round 0 refunds its fee to `requester` (or to the arbitrable when zero).
///         Parties are whatever the arbitrable declares: an arbitrable can only exclude
///         jurors from its own disputes.
///
///         **Drawing** (bounded batches, {draw}): each iteration hashes (seed, disputeId,
///         round, nonce) into a uniform pool index (low 128 bits) and a uniform u in [0, 1e18)
///         (high 128 bits); the candidate is seated if eligible and
///         `u × weightCap < min(stake, weightCap) × karma` — rejection sampling, so the
///         chance of being seated is proportional to capped stake × karma (accuracy in the
///         dispute's domain, decayed; 1e18 without a domain), and nobody's weight exceeds
///         `weightCap × 1e18`. Seats are distinct within a round. The pool is append-only and
///         a round only draws from the indices that existed when it opened, from jurors whose
///         stake was last raised at or before that time and who had not asked to leave, so
///         nothing a juror does after the seed is public changes which index maps to whom.
///         Bias limits: (1) the seed's own limits — see {PrevrandaoRandomness}; (2) state
///         that moves between {draw} calls (a candidate's karma decaying or being updated,
///         its free stake being taken by a seat elsewhere) decides borderline candidates,
///         and the caller chooses when to call; (3) empty pool slots (jurors who left) cost
///         iterations but never skew the distribution.
///
///         **Identity.** Jurors must be registered agents ({IAgentRegistry}) at join and at
///         draw: the court then excludes by agent key as well as by address, and jury karma
///         attaches to an identity that has task karma. Sybils with distinct keys are not
///         detectable here; the stake and the karma floor (earned through real tasks) are
///         their price.
/// @dev Gas: a dispute costs 4 slots (+1 per present party field, +1 for a domain), a round
///      1 slot (+1 tally at the first reveal, +1 appellant), a seat 1 slot (commitment
///      truncated to 240 bits, state and choice packed beside it). Votes and draws are also
///      in events. Every value-moving entry point is `nonReentrant` (EIP-1153 guard).
contract DisputeCourt is IDisputeCourt, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Domain of jury karma in the KarmaRegistry.
    bytes32 public constant JURY_DOMAIN = "jury";
    /// @notice Largest `choices` a dispute may have (the tally packs 16 counters in a slot).
    uint256 public constant MAX_CHOICES = 15;
    /// @notice Largest `maxRounds`.
    uint256 public constant MAX_ROUNDS = 8;

    uint256 private constant BPS = 10_000;
    uint256 private constant WAD = 1e18;
    uint256 private constant NOT_PAYABLE = type(uint256).max;

    /// @notice The karma registry the court reads (floors, weights) and writes (jury karma).
    IKarmaRegistry public immutable karma;
    /// @notice The agent registry jurors must be in.
    IAgentRegistry public immutable registry;
    /// @notice The seed source of jury draws.
    IRandomnessSource public immutable randomness;
    /// @inheritdoc IDisputeCourt
    address public immutable stakeToken;

    uint256 private immutable _minStake;
    uint256 private immutable _weightCap;
    uint256 private immutable _karmaFloor;
    uint256 private immutable _feePerJuror;
    uint256 private immutable _alphaBps;
    uint256 private immutable _minJurors;
    uint256 private immutable _maxRounds;
    uint256 private immutable _drawPeriod;
    uint256 private immutable _commitPeriod;
    uint256 private immutable _revealPeriod;
    uint256 private immutable _appealPeriod;
    uint256 private immutable _leaveDelay;
    uint256 private immutable _penalty;
    /// @dev Locked per seat besides the penalty (which moves to the round's pot).
    uint256 private immutable _lockRest;

    /// @inheritdoc IDisputeCourt
    uint256 public disputeCount;

    address[] private _pool;
    mapping(address juror => Juror) private _jurors;
    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 disputeId => bytes32) private _domains;
    /// @dev `uint160(party) | uint256(uint96(bytes12(agentKey))) << 160` — the top 96 bits
    ///      of the key the party held at creation (a false match would need a 2^96 search and
    ///      only excludes a juror; a true match is never missed).
    mapping(uint256 disputeId => uint256) private _requesters;
    mapping(uint256 disputeId => uint256) private _workers;
    mapping(uint256 disputeId => mapping(uint256 round => Round)) private _rounds;
    /// @dev 16 × uint16 vote counters, choice c at bits [16c, 16c+16).
    mapping(uint256 disputeId => mapping(uint256 round => uint256)) private _tallies;
    mapping(uint256 disputeId => mapping(uint256 round => address)) private _appellants;
    mapping(uint256 disputeId => mapping(uint256 round => mapping(address juror => Seat))) private
        _seats;
    mapping(address account => mapping(address asset => uint256)) private _balances;
    mapping(address asset => uint256) private _treasury;

    /// @param owner_ Receives the treasury (remainders, pots without a coherent juror);
    ///        two-step transferable. Has no other power.
    /// @param karma_ KarmaRegistry; the court must be its `court` writer.
    /// @param registry_ AgentRegistry jurors must be registered in.
    /// @param randomness_ Seed source (a {PrevrandaoRandomness} or a VRF adapter).
    /// @param stakeToken_ address(0) = ETH, else an ERC-20 without transfer fees.
    /// @param p See {CourtParams}; {DisputeCourtDefaults.devnet} documents devnet values.
    constructor(
        address owner_,
        IKarmaRegistry karma_,
        IAgentRegistry registry_,
        IRandomnessSource randomness_,
        address stakeToken_,
        CourtParams memory p
    ) Ownable(owner_) {
        if (address(karma_) == address(0) || address(registry_) == address(0)) {
            revert DisputeCourtBadParams("zero registry");
        }
        if (address(randomness_) == address(0)) revert DisputeCourtBadParams("zero randomness");
        if (p.minStake == 0) revert DisputeCourtBadParams("minStake is zero");
        if (p.weightCap < p.minStake) revert DisputeCourtBadParams("weightCap < minStake");
        if (p.karmaFloor > WAD) revert DisputeCourtBadParams("karmaFloor > 1e18");
        if (p.alphaBps > BPS) revert DisputeCourtBadParams("alphaBps > 10000");
        if (p.minJurors == 0) revert DisputeCourtBadParams("minJurors is zero");
        if (p.maxRounds == 0 || p.maxRounds > MAX_ROUNDS) {
            revert DisputeCourtBadParams("maxRounds not in 1..8");
        }
        if (p.drawPeriod == 0 || p.commitPeriod == 0 || p.revealPeriod == 0 || p.appealPeriod == 0)
        {
            revert DisputeCourtBadParams("zero period");
        }
        uint256 n = p.minJurors;
        for (uint256 r = 1; r < p.maxRounds; ++r) {
            n = 2 * n + 1;
        }
        if (n > type(uint16).max) revert DisputeCourtBadParams("last round too large");
        karma = karma_;
        registry = registry_;
        randomness = randomness_;
        stakeToken = stakeToken_;
        _minStake = p.minStake;
        _weightCap = p.weightCap;
        _karmaFloor = p.karmaFloor;
        _feePerJuror = p.feePerJuror;
        _alphaBps = p.alphaBps;
        _minJurors = p.minJurors;
        _maxRounds = p.maxRounds;
        _drawPeriod = p.drawPeriod;
        _commitPeriod = p.commitPeriod;
        _revealPeriod = p.revealPeriod;
        _appealPeriod = p.appealPeriod;
        _leaveDelay = p.leaveDelay;
        uint256 pen = uint256(p.minStake) * p.alphaBps / BPS;
        _penalty = pen;
        _lockRest = p.minStake - pen;
    }

    // ================================================================== jurors

    /// @inheritdoc IDisputeCourt
    function join(uint256 amount) external payable nonReentrant {
        if (!registry.isRegistered(msg.sender)) revert DisputeCourtNotRegistered(msg.sender);
        if (amount == 0) revert DisputeCourtBadStake(0);
        Juror memory j = _jurors[msg.sender];
        uint256 stake = uint256(j.stake) + amount;
        if (stake < _minStake || stake > type(uint88).max) revert DisputeCourtBadStake(stake);
        j.stake = uint88(stake);
        j.stakedSince = uint32(block.timestamp);
        j.leaveRequestedAt = 0;
        if (!j.listed) {
            j.listed = true;
            _pool.push(msg.sender);
        }
        _jurors[msg.sender] = j;
        // interaction last: pull the stake (reentrancy-guarded; short transfers refused)
        _pull(amount);
        emit JurorStaked(msg.sender, amount, stake);
    }

    /// @inheritdoc IDisputeCourt
    function requestLeave() external {
        Juror storage j = _jurors[msg.sender];
        if (j.stake == 0) revert DisputeCourtNothingFree(msg.sender);
        j.leaveRequestedAt = uint32(block.timestamp);
        emit JurorLeaveRequested(msg.sender, block.timestamp + _leaveDelay);
    }

    /// @inheritdoc IDisputeCourt
    function executeLeave() external nonReentrant returns (uint256 amount) {
        Juror memory j = _jurors[msg.sender];
        uint256 availableAt = uint256(j.leaveRequestedAt) + _leaveDelay;
        if (j.leaveRequestedAt == 0 || block.timestamp < availableAt) {
            revert DisputeCourtLeaveNotReady(msg.sender, j.leaveRequestedAt == 0 ? 0 : availableAt);
        }
        amount = j.stake - j.locked;
        if (amount == 0) revert DisputeCourtNothingFree(msg.sender);
        j.stake = j.locked; // only free stake leaves: locked stake stays slashable
        if (j.stake == 0) j.leaveRequestedAt = 0;
        _jurors[msg.sender] = j;
        _balances[msg.sender][stakeToken] += amount;
        emit JurorLeft(msg.sender, amount, j.stake);
    }

    // ================================================================== ERC-792

    /// @inheritdoc IArbitrator
    /// @dev Requirements: 1 ≤ `_choices` ≤ 15; msg.value == {arbitrationCost}; extraData as in
    ///      the contract NatSpec. Emits {DisputeCreation}, {RoundOpened}, {PhaseChanged}.
    function createDispute(uint256 _choices, bytes calldata _extraData)
        external
        payable
        nonReentrant
        returns (uint256 disputeId)
    {
        if (_choices == 0 || _choices > MAX_CHOICES) {
            revert DisputeCourtBadChoices(_choices);
        }
        uint256 cost = _minJurors * _feePerJuror;
        if (msg.value != cost) revert DisputeCourtWrongValue(cost, msg.value);
        bytes32 domain;
        address requester;
        address worker;
        if (_extraData.length != 0) {
            if (_extraData.length < 96) revert DisputeCourtBadExtraData();
            (domain, requester, worker) = abi.decode(_extraData[:96], (bytes32, address, address));
        }
        disputeId = ++disputeCount;
        uint256 deadline = block.timestamp + _drawPeriod;
        _disputes[disputeId] = Dispute({
            arbitrable: msg.sender,
            phase: Phase.Drawing,
            round: 0,
            choices: uint8(_choices),
            ruling: 0,
            deadline: uint40(deadline),
            delivered: false
        });
        if (domain != bytes32(0)) _domains[disputeId] = domain;
        if (requester != address(0)) _requesters[disputeId] = _packParty(requester);
        if (worker != address(0)) _workers[disputeId] = _packParty(worker);
        _openRound(disputeId, 0, cost);
        emit DisputeCreation(disputeId, IArbitrable(msg.sender));
        emit PhaseChanged(disputeId, Phase.Drawing, deadline);
    }

    /// @inheritdoc IArbitrator
    /// @dev `minJurors × feePerJuror` wei, whatever the extraData.
    function arbitrationCost(bytes calldata) external view returns (uint256) {
        return _minJurors * _feePerJuror;
    }

    /// @inheritdoc IArbitrator
    /// @dev Anyone may fund an appeal (either side, or a third party). Requirements: phase
    ///      Appeal, within the window, msg.value == {appealCost}. Opens round r+1 with 2n+1
    ///      seats. Emits {AppealDecision}, {RoundOpened}, {PhaseChanged}.
    function appeal(uint256 _disputeID, bytes calldata) external payable nonReentrant {
        Dispute memory d = _load(_disputeID);
        if (d.phase != Phase.Appeal || block.timestamp > d.deadline) {
            revert DisputeCourtNotAppealable(_disputeID);
        }
        uint256 round = uint256(d.round) + 1;
        uint256 cost = _jurorsInRound(round) * _feePerJuror;
        if (msg.value != cost) revert DisputeCourtWrongValue(cost, msg.value);
        _disputes[_disputeID].round = uint8(round);
        _appellants[_disputeID][round] = msg.sender;
        _openRound(_disputeID, round, cost);
        emit AppealDecision(_disputeID, IArbitrable(d.arbitrable));
        _setPhase(_disputeID, Phase.Drawing, block.timestamp + _drawPeriod);
    }

    /// @inheritdoc IArbitrator
    /// @dev `jurorsInRound(r+1) × feePerJuror` wei while appealable, else type(uint256).max.
    function appealCost(uint256 _disputeID, bytes calldata) external view returns (uint256) {
        Dispute memory d = _disputes[_disputeID];
        if (d.phase != Phase.Appeal || block.timestamp > d.deadline) return NOT_PAYABLE;
        return _jurorsInRound(uint256(d.round) + 1) * _feePerJuror;
    }

    /// @inheritdoc IArbitrator
    function appealPeriod(uint256 _disputeID) external view returns (uint256 start, uint256 end) {
        Dispute memory d = _disputes[_disputeID];
        if (d.phase != Phase.Appeal) return (0, 0);
        return (d.deadline - _appealPeriod, d.deadline);
    }

    /// @inheritdoc IArbitrator
    function disputeStatus(uint256 _disputeID) external view returns (DisputeStatus) {
        Phase ph = _load(_disputeID).phase;
        if (ph == Phase.Solved) return DisputeStatus.Solved;
        if (ph == Phase.Appeal) return DisputeStatus.Appealable;
        return DisputeStatus.Waiting;
    }

    /// @inheritdoc IArbitrator
    function currentRuling(uint256 _disputeID) external view returns (uint256) {
        return _load(_disputeID).ruling;
    }

    // ================================================================== jury

    /// @inheritdoc IDisputeCourt
    function draw(uint256 disputeId, uint256 maxIterations)
        external
        nonReentrant
        returns (uint256 drawn)
    {
        Dispute memory d = _load(disputeId);
        if (d.phase != Phase.Drawing) revert DisputeCourtWrongPhase(disputeId, d.phase);
        if (block.timestamp > d.deadline) revert DisputeCourtDeadlinePassed(disputeId, d.deadline);
        uint256 round = d.round;
        Round memory r = _rounds[disputeId][round];
        (IRandomnessSource.Status status, uint256 seed) = randomness.randomness(r.randomnessId);
        if (status == IRandomnessSource.Status.Expired) {
            uint256 id = randomness.requestRandomness();
            _rounds[disputeId][round].randomnessId = uint64(id);
            emit RandomnessRerequested(disputeId, round, id);
            return 0;
        }
        if (status != IRandomnessSource.Status.Ready) {
            revert DisputeCourtRandomnessPending(disputeId, r.randomnessId);
        }
        if (r.poolSize == 0) return 0; // nothing to draw from; the deadline decides

        DrawContext memory c = DrawContext({
            disputeId: disputeId,
            round: round,
            openedAt: r.openedAt,
            domain: _domains[disputeId],
            requester: _requesters[disputeId],
            worker: _workers[disputeId]
        });
        uint256 end = uint256(r.nonce) + maxIterations;
        if (end > type(uint32).max) end = type(uint32).max;
        uint256 nonce = r.nonce;
        uint256 seated = r.drawn;
        while (seated < r.jurors && nonce < end) {
            uint256 rnd = uint256(keccak256(abi.encode(seed, disputeId, round, nonce)));
            ++nonce;
            address juror = _pool[uint128(rnd) % r.poolSize];
            if (_trySeat(c, juror, (rnd >> 128) % WAD)) {
                ++seated;
                emit JurorDrawn(disputeId, round, juror);
            }
        }
        drawn = seated - r.drawn;
        r.nonce = uint32(nonce);
        r.drawn = uint16(seated);
        _rounds[disputeId][round] = r;
        if (seated == r.jurors) {
            _setPhase(disputeId, Phase.Commit, block.timestamp + _commitPeriod);
        }
    }

    /// @inheritdoc IDisputeCourt
    function commit(uint256 disputeId, bytes32 commitment) external {
        Dispute memory d = _load(disputeId);
        if (d.phase != Phase.Commit) revert DisputeCourtWrongPhase(disputeId, d.phase);
        if (block.timestamp > d.deadline) revert DisputeCourtDeadlinePassed(disputeId, d.deadline);
        if (commitment == bytes32(0)) revert DisputeCourtZeroCommitment();
        uint256 round = d.round;
        Seat storage s = _seats[disputeId][round][msg.sender];
        if (s.state != SeatState.Drawn) {
            revert DisputeCourtWrongSeat(disputeId, round, msg.sender, s.state);
        }
        s.state = SeatState.Committed;
        s.commitment = uint240(uint256(commitment));
        Round storage r = _rounds[disputeId][round];
        uint256 commits = r.commits + 1;
        r.commits = uint16(commits);
        emit VoteCommitted(disputeId, round, msg.sender, commitment);
        if (commits == r.jurors) {
            uint256 deadline = block.timestamp + _revealPeriod;
            _setPhase(disputeId, Phase.Reveal, deadline);
        }
    }

    /// @inheritdoc IDisputeCourt
    function reveal(uint256 disputeId, uint256 choice, bytes32 salt) external {
        Dispute memory d = _load(disputeId);
        if (d.phase != Phase.Reveal) revert DisputeCourtWrongPhase(disputeId, d.phase);
        if (block.timestamp > d.deadline) revert DisputeCourtDeadlinePassed(disputeId, d.deadline);
        if (choice > d.choices) revert DisputeCourtBadChoice(choice);
        uint256 round = d.round;
        Seat storage s = _seats[disputeId][round][msg.sender];
        if (s.state != SeatState.Committed) {
            revert DisputeCourtWrongSeat(disputeId, round, msg.sender, s.state);
        }
        bytes32 h = keccak256(abi.encode(choice, salt, msg.sender, disputeId, round));
        if (uint240(uint256(h)) != s.commitment) {
            revert DisputeCourtBadReveal(disputeId, msg.sender);
        }
        s.state = SeatState.Revealed;
        s.choice = uint8(choice);
        uint256 tally = _tallies[disputeId][round] + (1 << (16 * choice));
        _tallies[disputeId][round] = tally;
        emit VoteRevealed(disputeId, round, msg.sender, choice);
        if (_sum(tally, d.choices) == _rounds[disputeId][round].commits) {
            _tally(disputeId, d, tally);
        }
    }

    /// @inheritdoc IDisputeCourt
    function advance(uint256 disputeId) external nonReentrant {
        Dispute memory d = _load(disputeId);
        if (d.phase == Phase.Solved) {
            if (d.delivered) revert DisputeCourtWrongPhase(disputeId, d.phase);
            _deliver(disputeId, d);
            return;
        }
        if (block.timestamp <= d.deadline) {
            revert DisputeCourtDeadlineNotPassed(disputeId, d.deadline);
        }
        uint256 round = d.round;
        if (d.phase == Phase.Drawing) {
            // not enough jurors: release the seats, refund the round's fee; round 0 rules 0
            // (refused), an appeal round leaves the previous ruling final.
            _rounds[disputeId][round].unstaffed = true;
            address payer = round == 0
                ? _roundZeroPayer(disputeId, d.arbitrable)
                : _appellants[disputeId][round];
            uint256 fee = _jurorsInRound(round) * _feePerJuror;
            _balances[payer][address(0)] += fee;
            emit RoundUnstaffed(disputeId, round, payer, fee);
            if (round == 0) d.ruling = 0;
            _solve(disputeId, d);
            _deliver(disputeId, d);
        } else if (d.phase == Phase.Commit) {
            // missing commits: the silent seats are absent; reveal what was committed
            if (_rounds[disputeId][round].commits == 0) {
                _tally(disputeId, d, 0);
            } else {
                _setPhase(disputeId, Phase.Reveal, block.timestamp + _revealPeriod);
            }
        } else if (d.phase == Phase.Reveal) {
            // missing reveals: tally the revealed votes
            _tally(disputeId, d, _tallies[disputeId][round]);
        } else {
            // appeal unfunded: the ruling is final
            _solve(disputeId, d);
            _deliver(disputeId, d);
        }
    }

    /// @inheritdoc IDisputeCourt
    function settle(uint256 disputeId, uint256 round, address juror) external nonReentrant {
        Dispute memory d = _load(disputeId);
        Round memory r = _rounds[disputeId][round];
        if (!r.unstaffed && d.phase != Phase.Solved) {
            revert DisputeCourtRoundNotSettleable(disputeId, round);
        }
        Seat storage s = _seats[disputeId][round][juror];
        SeatState state = s.state;
        if (state == SeatState.None || state == SeatState.Settled) {
            revert DisputeCourtWrongSeat(disputeId, round, juror, state);
        }
        s.state = SeatState.Settled;
        Verdict verdict;
        uint256 stakeBack;
        uint256 feeReward;
        uint256 stakeReward;
        if (r.unstaffed) {
            verdict = Verdict.Released;
            stakeBack = _penalty;
        } else if (state == SeatState.Revealed && s.choice == d.ruling) {
            verdict = Verdict.Coherent;
            stakeBack = _penalty;
            uint256 coherent = _count(_tallies[disputeId][round], d.ruling);
            (feeReward, stakeReward,,) =
                _split(_jurorsInRound(round) * _feePerJuror, r.jurors, coherent);
        } else {
            verdict = state == SeatState.Revealed ? Verdict.Incoherent : Verdict.Absent;
        }
        Juror storage j = _jurors[juror];
        j.locked -= uint88(_lockRest);
        if (stakeBack != 0) j.stake += uint88(stakeBack);
        if (feeReward != 0) _balances[juror][address(0)] += feeReward;
        if (stakeReward != 0) _balances[juror][stakeToken] += stakeReward;
        emit SeatSettled(disputeId, round, juror, verdict, stakeBack, feeReward, stakeReward);
        if (verdict != Verdict.Released) {
            // interaction with the fixed, trusted registry; all state above is final
            karma.record(
                juror,
                JURY_DOMAIN,
                verdict == Verdict.Coherent
                    ? IKarmaRegistry.Outcome.Coherent
                    : verdict == Verdict.Incoherent
                        ? IKarmaRegistry.Outcome.Incoherent
                        : IKarmaRegistry.Outcome.Absent,
                0,
                address(0),
                0
            );
        }
    }

    /// @inheritdoc IDisputeCourt
    function withdraw(address asset, address to) external nonReentrant returns (uint256 amount) {
        amount = _balances[msg.sender][asset];
        if (amount == 0) revert DisputeCourtNothingToWithdraw(msg.sender, asset);
        _balances[msg.sender][asset] = 0; // effect before the transfer (CEI)
        _send(asset, to == address(0) ? msg.sender : to, amount);
        emit Withdrawn(msg.sender, asset, to == address(0) ? msg.sender : to, amount);
    }

    /// @inheritdoc IDisputeCourt
    function withdrawTreasury(address asset, address to)
        external
        onlyOwner
        nonReentrant
        returns (uint256 amount)
    {
        amount = _treasury[asset];
        if (amount == 0) revert DisputeCourtNothingToWithdraw(address(this), asset);
        _treasury[asset] = 0;
        _send(asset, to == address(0) ? msg.sender : to, amount);
        emit Withdrawn(address(this), asset, to == address(0) ? msg.sender : to, amount);
    }

    // ================================================================== views

    /// @inheritdoc IDisputeCourt
    function commitmentOf(
        uint256 disputeId,
        uint256 round,
        address juror,
        uint256 choice,
        bytes32 salt
    ) external pure returns (bytes32) {
        return keccak256(abi.encode(choice, salt, juror, disputeId, round));
    }

    /// @inheritdoc IDisputeCourt
    function splitPot(uint256 fee, uint256 penalty_, uint256 seats, uint256 coherent)
        public
        pure
        returns (uint256 feeShare, uint256 stakeShare, uint256 feeRemainder, uint256 stakeRemainder)
    {
        return _splitPot(fee, penalty_, seats, coherent);
    }

    /// @inheritdoc IDisputeCourt
    function params() external view returns (CourtParams memory) {
        return CourtParams({
            minStake: uint88(_minStake),
            weightCap: uint88(_weightCap),
            karmaFloor: uint64(_karmaFloor),
            feePerJuror: uint128(_feePerJuror),
            alphaBps: uint16(_alphaBps),
            minJurors: uint16(_minJurors),
            maxRounds: uint8(_maxRounds),
            drawPeriod: uint32(_drawPeriod),
            commitPeriod: uint32(_commitPeriod),
            revealPeriod: uint32(_revealPeriod),
            appealPeriod: uint32(_appealPeriod),
            leaveDelay: uint32(_leaveDelay)
        });
    }

    /// @inheritdoc IDisputeCourt
    function penalty() external view returns (uint256) {
        return _penalty;
    }

    /// @inheritdoc IDisputeCourt
    function jurorsInRound(uint256 round) external view returns (uint256) {
        return _jurorsInRound(round);
    }

    /// @inheritdoc IDisputeCourt
    function jurorOf(address juror) external view returns (Juror memory) {
        return _jurors[juror];
    }

    /// @inheritdoc IDisputeCourt
    function poolSize() external view returns (uint256) {
        return _pool.length;
    }

    /// @inheritdoc IDisputeCourt
    function poolAt(uint256 index) external view returns (address) {
        return _pool[index];
    }

    /// @inheritdoc IDisputeCourt
    function disputeOf(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IDisputeCourt
    function partiesOf(uint256 disputeId)
        external
        view
        returns (bytes32 domain, address requester, address worker)
    {
        return (
            _domains[disputeId],
            address(uint160(_requesters[disputeId])),
            address(uint160(_workers[disputeId]))
        );
    }

    /// @inheritdoc IDisputeCourt
    function roundOf(uint256 disputeId, uint256 round) external view returns (Round memory) {
        return _rounds[disputeId][round];
    }

    /// @inheritdoc IDisputeCourt
    function votesFor(uint256 disputeId, uint256 round, uint256 choice)
        external
        view
        returns (uint256)
    {
        return choice > MAX_CHOICES ? 0 : _count(_tallies[disputeId][round], choice);
    }

    /// @inheritdoc IDisputeCourt
    function seatOf(uint256 disputeId, uint256 round, address juror)
        external
        view
        returns (Seat memory)
    {
        return _seats[disputeId][round][juror];
    }

    /// @inheritdoc IDisputeCourt
    function balanceOf(address account, address asset) external view returns (uint256) {
        return _balances[account][asset];
    }

    /// @inheritdoc IDisputeCourt
    function treasuryBalance(address asset) external view returns (uint256) {
        return _treasury[asset];
    }

    // ================================================================== internals

    /// @dev What a draw iteration needs besides the candidate.
    struct DrawContext {
        uint256 disputeId;
        uint256 round;
        uint256 openedAt;
        bytes32 domain;
        uint256 requester;
        uint256 worker;
    }

    function _setPhase(uint256 disputeId, Phase phase, uint256 deadline) private {
        Dispute storage d = _disputes[disputeId];
        d.phase = phase;
        d.deadline = uint40(deadline);
        emit PhaseChanged(disputeId, phase, deadline);
    }

    function _load(uint256 disputeId) private view returns (Dispute memory d) {
        d = _disputes[disputeId];
        if (d.phase == Phase.None) revert DisputeCourtUnknownDispute(disputeId);
    }

    function _jurorsInRound(uint256 round) private view returns (uint256 n) {
        n = _minJurors;
        for (uint256 i; i < round; ++i) {
            n = 2 * n + 1;
        }
    }

    function _openRound(uint256 disputeId, uint256 round, uint256 fee) private {
        uint256 n = _jurorsInRound(round);
        uint256 rid = randomness.requestRandomness();
        _rounds[disputeId][round] = Round({
            randomnessId: uint64(rid),
            openedAt: uint40(block.timestamp),
            poolSize: uint32(_pool.length),
            nonce: 0,
            jurors: uint16(n),
            drawn: 0,
            commits: 0,
            unstaffed: false
        });
        emit RoundOpened(disputeId, round, n, rid, fee);
    }

    function _packParty(address party) private view returns (uint256) {
        bytes32 key = registry.agentKeyOf(party);
        return uint256(uint160(party)) | (uint256(uint96(bytes12(key))) << 160);
    }

    /// @dev One draw iteration: seat `juror` if eligible and the acceptance test passes.
    ///      Cheap checks first; the registry and karma calls only for live candidates.
    function _trySeat(DrawContext memory c, address juror, uint256 u) private returns (bool) {
        Juror memory j = _jurors[juror];
        uint256 capped = j.stake < _weightCap ? j.stake : _weightCap;
        // karma ≤ 1e18, so failing with karma = 1e18 fails for any karma
        if (u * _weightCap >= capped * WAD) return false;
        if (j.stakedSince > c.openedAt) return false; // stake raised after the round opened
        if (j.leaveRequestedAt != 0 && j.leaveRequestedAt <= c.openedAt) return false;
        if (j.stake - j.locked < _minStake) return false;
        if (juror == address(uint160(c.requester)) || juror == address(uint160(c.worker))) {
            return false;
        }
        // karma first: it rejects most candidates, and the two lookups below cost as much
        if (c.domain != bytes32(0)) {
            (uint256 k,) = karma.scores(juror, c.domain);
            if (k < _karmaFloor || u * _weightCap >= capped * k) return false;
        }
        if (_seats[c.disputeId][c.round][juror].state != SeatState.None) return false;
        bytes32 key = registry.agentKeyOf(juror);
        if (key == bytes32(0)) return false; // no longer a registered agent
        uint96 prefix = uint96(bytes12(key));
        if (prefix == uint96(c.requester >> 160) || prefix == uint96(c.worker >> 160)) {
            return false;
        }
        // seat: the penalty moves into the round's pot, the rest of the seat lock is reserved
        j.stake -= uint88(_penalty);
        j.locked += uint88(_lockRest);
        _jurors[juror] = j;
        _seats[c.disputeId][c.round][juror].state = SeatState.Drawn;
        return true;
    }

    function _count(uint256 tally, uint256 choice) private pure returns (uint256) {
        return (tally >> (16 * choice)) & 0xffff;
    }

    function _sum(uint256 tally, uint256 choices) private pure returns (uint256 s) {
        for (uint256 c; c <= choices; ++c) {
            s += _count(tally, c);
        }
    }

    /// @dev Close the current round: the unique top choice wins, a tie at the top (or no vote)
    ///      rules 0. The last round is final at once; others open the appeal window.
    function _tally(uint256 disputeId, Dispute memory d, uint256 tally) private {
        uint256 best;
        uint256 bestVotes = _count(tally, 0);
        bool tie;
        for (uint256 c = 1; c <= d.choices; ++c) {
            uint256 v = _count(tally, c);
            if (v > bestVotes) {
                (best, bestVotes, tie) = (c, v, false);
            } else if (v == bestVotes) {
                tie = true;
            }
        }
        if (tie) best = 0;
        d.ruling = uint8(best);
        emit RoundTallied(disputeId, d.round, best, _count(tally, best));
        if (uint256(d.round) + 1 >= _maxRounds) {
            _solve(disputeId, d);
        } else {
            _disputes[disputeId].ruling = d.ruling;
            _setPhase(disputeId, Phase.Appeal, block.timestamp + _appealPeriod);
            emit AppealPossible(disputeId, IArbitrable(d.arbitrable));
        }
    }

    /// @dev Final ruling: credit each staffed round's remainders to the treasury (bounded by
    ///      maxRounds ≤ 8). The seats settle one by one afterwards.
    function _solve(uint256 disputeId, Dispute memory d) private {
        d.phase = Phase.Solved;
        _disputes[disputeId] = d;
        uint256 feeRest;
        uint256 stakeRest;
        for (uint256 round; round <= d.round; ++round) {
            Round memory r = _rounds[disputeId][round];
            if (r.unstaffed) continue;
            (,, uint256 f, uint256 s) = _splitPot(
                _jurorsInRound(round) * _feePerJuror,
                _penalty,
                r.jurors,
                _count(_tallies[disputeId][round], d.ruling)
            );
            feeRest += f;
            stakeRest += s;
        }
        if (feeRest != 0) {
            _treasury[address(0)] += feeRest;
            emit TreasuryCredited(address(0), feeRest);
        }
        if (stakeRest != 0) {
            _treasury[stakeToken] += stakeRest;
            emit TreasuryCredited(stakeToken, stakeRest);
        }
        emit DisputeSolved(disputeId, d.ruling);
    }

    /// @dev Calls the arbitrable once the ruling is final. A reverting (or gas-starved) callback
    ///      leaves `delivered` false and {advance} retries; jurors' settlements never wait on it.
    function _deliver(uint256 disputeId, Dispute memory d) private {
        d.delivered = true;
        _disputes[disputeId] = d; // effect before the interaction
        try IArbitrable(d.arbitrable).rule(disputeId, d.ruling) {}
        catch {
            _disputes[disputeId].delivered = false;
            emit RulingDeliveryFailed(disputeId);
        }
    }

    function _roundZeroPayer(uint256 disputeId, address arbitrable) private view returns (address) {
        address requester = address(uint160(_requesters[disputeId]));
        return requester == address(0) ? arbitrable : requester;
    }

    function _split(uint256 fee, uint256 seats, uint256 coherent)
        private
        view
        returns (uint256 feeShare, uint256 stakeShare, uint256 feeRemainder, uint256 stakeRemainder)
    {
        return _splitPot(fee, _penalty, seats, coherent);
    }

    function _splitPot(uint256 fee, uint256 penalty_, uint256 seats, uint256 coherent)
        private
        pure
        returns (uint256 feeShare, uint256 stakeShare, uint256 feeRemainder, uint256 stakeRemainder)
    {
        uint256 slashed = (seats - coherent) * penalty_;
        if (coherent == 0) return (0, 0, fee, slashed);
        feeShare = fee / coherent;
        stakeShare = slashed / coherent;
        feeRemainder = fee - feeShare * coherent;
        stakeRemainder = slashed - stakeShare * coherent;
    }

    /// @dev Takes `amount` of the stake asset from msg.sender (ETH: msg.value; ERC-20: the
    ///      balance must grow by `amount`, fee-on-transfer tokens are refused).
    function _pull(uint256 amount) private {
        if (stakeToken == address(0)) {
            if (msg.value != amount) revert DisputeCourtWrongValue(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert DisputeCourtWrongValue(0, msg.value);
        IERC20 token = IERC20(stakeToken);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received < amount) revert DisputeCourtTransferShortfall(amount, received);
    }

    function _send(address asset, address to, uint256 amount) private {
        if (asset == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert DisputeCourtTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }
}
