// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";

import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {DisputeCourt, DisputeCourtDefaults} from "../../src/DisputeCourt.sol";
import {KarmaRegistry} from "../../src/KarmaRegistry.sol";
import {PrevrandaoRandomness} from "../../src/PrevrandaoRandomness.sol";
import {TaskMarket} from "../../src/TaskMarket.sol";
import {IDisputeCourt} from "../../src/interfaces/IDisputeCourt.sol";
import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";
import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";

/// @notice Deploys AgentRegistry, KarmaRegistry (α 0.1, 30-day half-life, attenuation 0.5),
///         PrevrandaoRandomness (delay 1), DisputeCourt (devnet parameters, ETH stake) and a
///         TaskMarket wired to the court; `karma.setWriters(market, court)`. Jurors earn their
///         karma the only way there is: by running real tasks through the market
///         (`TASKS_PER_JUROR` accepted tasks in DOMAIN each ⇒ accuracy 1 − 0.9^k), then stake.
abstract contract CourtFixture is Test {
    uint256 internal constant WAD = 1e18;
    bytes32 internal constant DOMAIN = "summarisation";
    bytes32 internal constant JURY = "jury";
    uint256 internal constant RULING_REFUSED = 0;
    uint256 internal constant RULING_REQUESTER = 1;
    uint256 internal constant RULING_WORKER = 2;
    uint256 internal constant N_JURORS = 9;
    uint256 internal constant TASKS_PER_JUROR = 6;
    uint256 internal constant JUROR_STAKE = 1 ether;
    uint128 internal constant PAYMENT = 1 ether;
    /// @dev Stand-in BLAKE3 id of a requester's verdict blob (evidence of a rejection).
    bytes32 internal constant VERDICT = keccak256("verdict");

    AgentRegistry internal registry;
    KarmaRegistry internal karma;
    PrevrandaoRandomness internal rng;
    DisputeCourt internal court;
    TaskMarket internal market;
    IDisputeCourt.CourtParams internal cp;

    address internal owner = makeAddr("owner");
    address internal requester = makeAddr("requester");
    address internal worker = makeAddr("worker");
    address internal trainer = makeAddr("trainer");
    address internal keeper = makeAddr("keeper");
    address[] internal jurors;

    uint96 internal nextSalt = 1;

    function setUp() public virtual {
        vm.warp(1_800_000_000);
        vm.roll(100);
        _deploy(DisputeCourtDefaults.devnet(), address(0));
        vm.deal(requester, 1_000 ether);
        vm.deal(worker, 1_000 ether);
        vm.deal(trainer, 1_000 ether);
        vm.deal(keeper, 1_000 ether);
        _register(worker);
        for (uint256 i; i < N_JURORS; ++i) {
            address j = makeAddr(string.concat("juror", vm.toString(i)));
            jurors.push(j);
            _makeJuror(j, JUROR_STAKE);
        }
    }

    function _deploy(IDisputeCourt.CourtParams memory p, address stakeToken) internal {
        cp = p;
        registry = new AgentRegistry();
        karma = new KarmaRegistry(0.1e18, 30 days, 0.5e18);
        rng = new PrevrandaoRandomness(1);
        court = new DisputeCourt(
            owner, karma, registry, IRandomnessSource(address(rng)), stakeToken, p
        );
        market = new TaskMarket(owner, registry, karma, IArbitrator(address(court)));
        karma.setWriters(address(market), address(court));
    }

    // ------------------------------------------------------------------ actors

    function _register(address account) internal {
        vm.prank(account);
        registry.register(
            keccak256(abi.encode("ed25519", account)), keccak256("manifest"), new bytes(64)
        );
    }

    /// @dev Register, earn karma in DOMAIN through real tasks, stake `stake` wei.
    function _makeJuror(address j, uint256 stake) internal {
        vm.deal(j, 1_000 ether);
        if (!registry.isRegistered(j)) _register(j);
        _earnKarma(j, TASKS_PER_JUROR);
        if (stake != 0) {
            vm.prank(j);
            court.join{value: stake}(stake);
        }
    }

    function _earnKarma(address who, uint256 tasks) internal {
        for (uint256 t; t < tasks; ++t) {
            ITaskMarket.TaskParams memory p = _params(trainer, 0.01 ether);
            bytes32 id = _post(p);
            _claim(p, who);
            _submit(id, who);
            vm.prank(trainer);
            market.accept(p);
        }
    }

    // ------------------------------------------------------------------ market

    function _params(address req, uint128 payment)
        internal
        returns (ITaskMarket.TaskParams memory p)
    {
        p = ITaskMarket.TaskParams({
            requester: req,
            asset: address(0),
            payment: payment,
            stakeBps: 1000,
            feeBps: market.feeBps(),
            claimDeadline: uint40(block.timestamp + 1 hours),
            completionDeadline: uint40(block.timestamp + 2 hours),
            reviewWindow: 1 hours,
            maxDelegationDepth: 0,
            minAccuracy: 0,
            minCompletion: 0,
            domain: DOMAIN,
            specHash: keccak256(abi.encode("spec", nextSalt)),
            parentTaskId: bytes32(0),
            salt: nextSalt++
        });
    }

    function _post(ITaskMarket.TaskParams memory p) internal returns (bytes32 id) {
        vm.prank(p.requester);
        id = market.postTask{value: p.payment}(p);
    }

    function _claim(ITaskMarket.TaskParams memory p, address who) internal {
        uint256 stake = (uint256(p.payment) * p.stakeBps + 9_999) / 10_000;
        vm.prank(who);
        market.claim{value: stake}(p);
    }

    function _submit(bytes32 id, address who) internal {
        vm.prank(who);
        market.submit(id, keccak256(abi.encode("result", id)));
    }

    /// @dev post → claim → submit by `w` for `req`; returns the params.
    function _submitted(address req, address w) internal returns (ITaskMarket.TaskParams memory p) {
        p = _params(req, PAYMENT);
        bytes32 id = _post(p);
        _claim(p, w);
        _submit(id, w);
    }

    /// @dev The requester rejects with {VERDICT} as evidence: a dispute opens at the court.
    function _reject(ITaskMarket.TaskParams memory p) internal returns (uint256 disputeId) {
        uint256 cost = court.arbitrationCost(abi.encode(p.domain, p.requester, worker));
        vm.prank(p.requester);
        disputeId = market.reject{value: cost}(p, VERDICT);
    }

    // ------------------------------------------------------------------ court

    function _salt(address j, uint256 disputeId, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", j, disputeId, round));
    }

    /// @dev Next block (the randomness target), then draw until full or `maxIterations`.
    function _draw(uint256 disputeId, uint256 maxIterations) internal returns (uint256) {
        vm.roll(block.number + 1);
        vm.prank(keeper);
        return court.draw(disputeId, maxIterations);
    }

    /// @dev Seated jurors of `round` among `jurors` (the fixture's pool), in pool order.
    function _seated(uint256 disputeId, uint256 round)
        internal
        view
        returns (address[] memory out)
    {
        uint256 n;
        address[] memory tmp = new address[](jurors.length);
        for (uint256 i; i < jurors.length; ++i) {
            if (court.seatOf(disputeId, round, jurors[i]).state != IDisputeCourt.SeatState.None) {
                tmp[n++] = jurors[i];
            }
        }
        out = new address[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = tmp[i];
        }
    }

    function _commit(uint256 disputeId, address j, uint256 choice) internal {
        uint256 round = court.disputeOf(disputeId).round;
        bytes32 c = court.commitmentOf(disputeId, round, j, choice, _salt(j, disputeId, round));
        vm.prank(j);
        court.commit(disputeId, c);
    }

    function _reveal(uint256 disputeId, address j, uint256 choice) internal {
        uint256 round = court.disputeOf(disputeId).round;
        vm.prank(j);
        court.reveal(disputeId, choice, _salt(j, disputeId, round));
    }

    /// @dev Every seated juror of the current round commits and reveals `votes[i]`.
    function _vote(uint256 disputeId, address[] memory seated, uint256[] memory votes) internal {
        for (uint256 i; i < seated.length; ++i) {
            _commit(disputeId, seated[i], votes[i]);
        }
        for (uint256 i; i < seated.length; ++i) {
            _reveal(disputeId, seated[i], votes[i]);
        }
    }

    function _same(uint256 n, uint256 choice) internal pure returns (uint256[] memory v) {
        v = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            v[i] = choice;
        }
    }

    /// @dev Let the current phase's deadline pass and advance.
    function _timeout(uint256 disputeId) internal {
        vm.warp(uint256(court.disputeOf(disputeId).deadline) + 1);
        vm.prank(keeper);
        court.advance(disputeId);
    }

    function _settleAll(uint256 disputeId, uint256 round, address[] memory seated) internal {
        for (uint256 i; i < seated.length; ++i) {
            vm.prank(keeper);
            court.settle(disputeId, round, seated[i]);
        }
    }

    function _phase(uint256 disputeId) internal view returns (IDisputeCourt.Phase) {
        return court.disputeOf(disputeId).phase;
    }
}
