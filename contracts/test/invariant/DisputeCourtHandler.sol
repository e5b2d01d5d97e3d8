// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";

import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {DisputeCourt} from "../../src/DisputeCourt.sol";
import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";
import {IDisputeCourt} from "../../src/interfaces/IDisputeCourt.sol";
import {MockArbitrable} from "../mocks/court/CourtMocks.sol";

/// @notice Drives the court through random joins, leaves, disputes, draws, votes, timeouts,
///         appeals, settlements and withdrawals, keeping ghost sums:
///         - `ghostIn`/`ghostOut`: ETH into / out of the court;
///         - `pot[d]`: what dispute d holds (fees in, penalties in at draw; rewards, returned
///           penalties, remainders and refunds out), measured as the change of everything
///           the court owes outside pots (stakes + balances + treasury);
///         - `violation`: set when a stake shrinks on a path that may not shrink it, or a
///           pot shrinks outside settle/advance (I4).
contract DisputeCourtHandler is Test {
    DisputeCourt public immutable court;
    AgentRegistry public immutable registry;
    MockArbitrable public immutable arb;

    address[] public actors;
    uint256[] public disputes;
    mapping(uint256 d => int256) public pot;
    mapping(uint256 d => mapping(uint256 round => mapping(address => uint256))) public choiceOf;

    uint256 public ghostIn;
    uint256 public ghostOut;
    uint256 public feesIn;
    bool public violation;
    string public violationReason;
    mapping(bytes32 => uint256) public calls;

    constructor(DisputeCourt court_, AgentRegistry registry_) {
        court = court_;
        registry = registry_;
        arb = new MockArbitrable(IArbitrator(address(court_)));
        vm.deal(address(arb), 0);
        for (uint256 i; i < 6; ++i) {
            address a = makeAddr(string.concat("inv", vm.toString(i)));
            actors.push(a);
            vm.deal(a, 1_000 ether);
            vm.prank(a);
            registry.register(keccak256(abi.encode("key", a)), bytes32(0), new bytes(64));
        }
    }

    // ------------------------------------------------------------------ accounting

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function disputeCount() external view returns (uint256) {
        return disputes.length;
    }

    /// @dev Everything the court owes outside pots, ETH.
    function owedOutsidePots() public view returns (uint256 s) {
        s = court.treasuryBalance(address(0)) + court.balanceOf(address(arb), address(0));
        for (uint256 i; i < actors.length; ++i) {
            s += court.jurorOf(actors[i]).stake + court.balanceOf(actors[i], address(0));
        }
    }

    function sumPots() public view returns (int256 s) {
        for (uint256 i; i < disputes.length; ++i) {
            s += pot[disputes[i]];
        }
    }

    function _stakes() internal view returns (uint256[] memory st) {
        st = new uint256[](actors.length);
        for (uint256 i; i < actors.length; ++i) {
            st[i] = court.jurorOf(actors[i]).stake;
        }
    }

    /// @dev Attribute the change of owedOutsidePots across a call to dispute `d`'s pot.
    function _attribute(uint256 d, uint256 before, bool mayShrinkPot) internal {
        uint256 afterOwed = owedOutsidePots();
        int256 delta = int256(afterOwed) - int256(before);
        pot[d] -= delta;
        if (delta > 0 && !mayShrinkPot) _flag("pot shrank outside settle/advance");
        if (pot[d] < 0) _flag("pot negative");
    }

    function _flag(string memory why) internal {
        violation = true;
        violationReason = why;
    }

    /// @dev I4: stakes only shrink by a penalty at draw (for newly seated jurors) or by a
    ///      leave (the caller's own free stake).
    function _checkStakes(uint256[] memory before, uint256 allowedIdx, bool drawPath) internal {
        for (uint256 i; i < actors.length; ++i) {
            uint256 nowStake = court.jurorOf(actors[i]).stake;
            if (nowStake >= before[i]) continue;
            if (drawPath && before[i] - nowStake == court.penalty()) continue;
            if (i == allowedIdx && nowStake == court.jurorOf(actors[i]).locked) continue;
            _flag("stake reduced on a forbidden path");
        }
    }

    function _actor(uint256 seed) internal view returns (uint256 i, address a) {
        i = seed % actors.length;
        a = actors[i];
    }

    function _dispute(uint256 seed) internal view returns (uint256 d, bool ok) {
        if (disputes.length == 0) return (0, false);
        return (disputes[seed % disputes.length], true);
    }

    // ------------------------------------------------------------------ actions

    function join(uint256 actorSeed, uint256 amount) external {
        (, address a) = _actor(actorSeed);
        amount = bound(amount, 1 ether, 3 ether);
        uint256[] memory st = _stakes();
        vm.prank(a);
        court.join{value: amount}(amount);
        ghostIn += amount;
        _checkStakes(st, type(uint256).max, false);
        ++calls["join"];
    }

    function requestLeave(uint256 actorSeed) external {
        (, address a) = _actor(actorSeed);
        vm.prank(a);
        court.requestLeave();
        ++calls["requestLeave"];
    }

    function executeLeave(uint256 actorSeed) external {
        (uint256 i, address a) = _actor(actorSeed);
        uint256[] memory st = _stakes();
        uint256 before = owedOutsidePots();
        vm.prank(a);
        court.executeLeave();
        if (owedOutsidePots() != before) _flag("leave changed what is owed");
        _checkStakes(st, i, false);
        ++calls["executeLeave"];
    }

    function open(uint256 choices, uint256 partySeed) external {
        choices = bound(choices, 1, 3);
        uint256 fee = court.arbitrationCost("");
        vm.deal(address(this), fee);
        bytes memory extra = partySeed % 2 == 0
            ? bytes("")
            : abi.encode(bytes32(0), address(0), actors[partySeed % actors.length]);
        uint256 d = arb.open{value: fee}(choices, extra);
        disputes.push(d);
        pot[d] += int256(fee);
        ghostIn += fee;
        feesIn += fee;
        ++calls["open"];
    }

    function draw(uint256 disputeSeed, uint256 iterations) external {
        (uint256 d, bool ok) = _dispute(disputeSeed);
        if (!ok) return;
        vm.roll(block.number + 1);
        uint256[] memory st = _stakes();
        uint256 before = owedOutsidePots();
        court.draw(d, bound(iterations, 1, 50));
        _attribute(d, before, false);
        _checkStakes(st, type(uint256).max, true);
        ++calls["draw"];
    }

    function commit(uint256 disputeSeed, uint256 actorSeed, uint256 choice) external {
        (uint256 d, bool ok) = _dispute(disputeSeed);
        if (!ok) return;
        (, address a) = _actor(actorSeed);
        IDisputeCourt.Dispute memory dd = court.disputeOf(d);
        choice = bound(choice, 0, dd.choices);
        bytes32 c =
            court.commitmentOf(d, dd.round, a, choice, keccak256(abi.encode(d, dd.round, a)));
        vm.prank(a);
        court.commit(d, c);
        choiceOf[d][dd.round][a] = choice;
        ++calls["commit"];
    }

    function reveal(uint256 disputeSeed, uint256 actorSeed) external {
        (uint256 d, bool ok) = _dispute(disputeSeed);
        if (!ok) return;
        (, address a) = _actor(actorSeed);
        uint256 round = court.disputeOf(d).round;
        uint256[] memory st = _stakes();
        uint256 before = owedOutsidePots();
        vm.prank(a);
        court.reveal(d, choiceOf[d][round][a], keccak256(abi.encode(d, round, a)));
        _attribute(d, before, false);
        _checkStakes(st, type(uint256).max, false);
        ++calls["reveal"];
    }

    function advance(uint256 disputeSeed, bool waitDeadline) external {
        (uint256 d, bool ok) = _dispute(disputeSeed);
        if (!ok) return;
        if (waitDeadline) {
            uint256 dl = court.disputeOf(d).deadline;
            if (block.timestamp <= dl) vm.warp(dl + 1);
        }
        uint256[] memory st = _stakes();
        uint256 before = owedOutsidePots();
        court.advance(d);
        _attribute(d, before, true);
        _checkStakes(st, type(uint256).max, false);
        ++calls["advance"];
    }

    function appeal(uint256 disputeSeed, uint256 actorSeed) external {
        (uint256 d, bool ok) = _dispute(disputeSeed);
        if (!ok) return;
        (, address a) = _actor(actorSeed);
        uint256 cost = court.appealCost(d, "");
        if (cost == type(uint256).max) return;
        uint256 before = owedOutsidePots();
        vm.prank(a);
        court.appeal{value: cost}(d, "");
        _attribute(d, before, false);
        pot[d] += int256(cost);
        ghostIn += cost;
        feesIn += cost;
        ++calls["appeal"];
    }

    function settle(uint256 disputeSeed, uint256 round, uint256 actorSeed) external {
        (uint256 d, bool ok) = _dispute(disputeSeed);
        if (!ok) return;
        (, address a) = _actor(actorSeed);
        round = bound(round, 0, court.disputeOf(d).round);
        uint256[] memory st = _stakes();
        uint256 before = owedOutsidePots();
        court.settle(d, round, a);
        _attribute(d, before, true);
        _checkStakes(st, type(uint256).max, false);
        ++calls["settle"];
    }

    function withdraw(uint256 actorSeed) external {
        (, address a) = _actor(actorSeed);
        uint256[] memory st = _stakes();
        vm.prank(a);
        uint256 amount = court.withdraw(address(0), a);
        ghostOut += amount;
        _checkStakes(st, type(uint256).max, false);
        ++calls["withdraw"];
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 hours));
        ++calls["warp"];
    }

    /// @dev Settle every seat of every solved dispute (used by the end-state invariant).
    function settleEverything() external {
        for (uint256 k; k < disputes.length; ++k) {
            uint256 d = disputes[k];
            IDisputeCourt.Dispute memory dd = court.disputeOf(d);
            for (uint256 r; r <= dd.round; ++r) {
                bool unstaffed = court.roundOf(d, r).unstaffed;
                if (dd.phase != IDisputeCourt.Phase.Solved && !unstaffed) continue;
                for (uint256 i; i < actors.length; ++i) {
                    IDisputeCourt.SeatState s = court.seatOf(d, r, actors[i]).state;
                    if (s == IDisputeCourt.SeatState.None || s == IDisputeCourt.SeatState.Settled) {
                        continue;
                    }
                    uint256 before = owedOutsidePots();
                    court.settle(d, r, actors[i]);
                    _attribute(d, before, true);
                }
            }
        }
    }

    receive() external payable {}
}
