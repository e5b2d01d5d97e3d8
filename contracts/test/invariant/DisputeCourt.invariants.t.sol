// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {DisputeCourt} from "../../src/DisputeCourt.sol";
import {KarmaRegistry} from "../../src/KarmaRegistry.sol";
import {PrevrandaoRandomness} from "../../src/PrevrandaoRandomness.sol";
import {IDisputeCourt} from "../../src/interfaces/IDisputeCourt.sol";
import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";
import {DisputeCourtHandler} from "./DisputeCourtHandler.sol";

/// @notice Court invariants over random sequences (profile `ci`: 100 runs × 100 calls).
///         Disputes come from a generic arbitrable with empty or party-only extraData (no
///         domain, so no karma is needed); fee per juror 1,001 wei and a penalty of 10% so
///         divisions leave remainders.
contract DisputeCourtInvariants is StdInvariant, Test {
    DisputeCourt internal court;
    DisputeCourtHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        vm.roll(100);
        AgentRegistry registry = new AgentRegistry();
        KarmaRegistry karma = new KarmaRegistry(0.1e18, 30 days, 0.5e18);
        PrevrandaoRandomness rng = new PrevrandaoRandomness(1);
        IDisputeCourt.CourtParams memory p = IDisputeCourt.CourtParams({
            minStake: 1 ether,
            weightCap: 2 ether,
            karmaFloor: 0.2e18,
            feePerJuror: 1_001,
            alphaBps: 1_000,
            minJurors: 1,
            maxRounds: 3,
            drawPeriod: 1 hours,
            commitPeriod: 1 hours,
            revealPeriod: 1 hours,
            appealPeriod: 1 hours,
            leaveDelay: 1 hours
        });
        court = new DisputeCourt(
            address(this), karma, registry, IRandomnessSource(address(rng)), address(0), p
        );
        karma.setWriters(address(0xdead), address(court));
        handler = new DisputeCourtHandler(court, registry);
        targetContract(address(handler));
        bytes4[] memory sel = new bytes4[](12);
        sel[0] = handler.join.selector;
        sel[1] = handler.requestLeave.selector;
        sel[2] = handler.executeLeave.selector;
        sel[3] = handler.open.selector;
        sel[4] = handler.draw.selector;
        sel[5] = handler.commit.selector;
        sel[6] = handler.reveal.selector;
        sel[7] = handler.advance.selector;
        sel[8] = handler.appeal.selector;
        sel[9] = handler.settle.selector;
        sel[10] = handler.withdraw.selector;
        sel[11] = handler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: sel}));
    }

    /// @dev The court holds exactly what came in minus what went out.
    function invariant_balanceMatchesFlows() public view {
        assertEq(address(court).balance, handler.ghostIn() - handler.ghostOut());
    }

    /// @dev Solvency, exact: balance == stakes + balances + treasury + Σ pots, every pot ≥ 0.
    function invariant_solventPerAsset() public view {
        int256 pots = handler.sumPots();
        assertGe(pots, 0);
        assertEq(address(court).balance, handler.owedOutsidePots() + uint256(pots));
    }

    /// @dev I4: stakes and bonds only shrink on the paths that may shrink them.
    function invariant_onlyAllowedPathsReduceStakes() public view {
        assertFalse(handler.violation(), handler.violationReason());
    }

    /// @dev Locked stake never exceeds stake.
    function invariant_lockedWithinStake() public view {
        for (uint256 i; i < handler.actorCount(); ++i) {
            IDisputeCourt.Juror memory j = court.jurorOf(handler.actors(i));
            assertLe(j.locked, j.stake);
        }
    }

    /// @dev I6: once every seat of a solved dispute is settled, its pot is exactly empty —
    ///      rewards + remainders (+ refunds) == fees collected, and penalties redistributed net
    ///      to zero. Checked on a copy of the state after settling everything settleable.
    function invariant_settledPotsAreEmpty() public {
        uint256 snap = vm.snapshotState();
        handler.settleEverything();
        for (uint256 k; k < handler.disputeCount(); ++k) {
            uint256 d = handler.disputes(k);
            IDisputeCourt.Dispute memory dd = court.disputeOf(d);
            if (dd.phase != IDisputeCourt.Phase.Solved) continue;
            assertEq(handler.pot(d), 0, "solved and settled dispute still holds value");
        }
        assertFalse(handler.violation(), handler.violationReason());
        vm.revertToState(snap);
    }
}
