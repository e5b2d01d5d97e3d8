// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {CourtFixture} from "../utils/CourtFixture.sol";

/// @notice Gas of a whole 3-juror dispute through the real TaskMarket, per transaction as a
///         wallet pays it: `gasTotalUsed` of each step under `forge test --isolate` (every
///         top-level call its own transaction: 21,000 intrinsic gas and calldata included).
///         Steps: open (market.reject → court.createDispute), draw, 3 commits, 3 reveals,
///         ruling (court.advance after the appeal window → market.rule), execution
///         (market.executeRuling). Juror settlements and withdrawals are not in the total.
///         Run: `forge test --isolate --match-path contracts/test/gas/DisputeCourtGas.t.sol -vv`.
///         Snapshots (group `court_dispute_3_jurors`, contracts/snapshots/) are written only in
///         isolated runs, so a normal `forge test` never overwrites them with other figures.
///         Target (issue): ≤ 450,000 for the whole dispute (NOT met: ≈891k per-tx incl. 10 ×
///         21,000 intrinsic); Kleros simplified 3-juror ≈ 570–660k.
contract DisputeCourtGasTest is CourtFixture {
    bool internal isolated;

    function _g() internal view returns (uint256) {
        return vm.lastCallGas().gasTotalUsed;
    }

    function _rec(string memory name, uint256 gasUsed) internal {
        if (isolated) vm.snapshotValue("court_dispute_3_jurors", name, gasUsed);
        emit log_named_uint(name, gasUsed);
    }

    /// @dev Steady state: one dispute before the measured one, so one-time writes (the dispute
    ///      counter's first non-zero value, the treasury slot) are not billed to it.
    function _warmUp() internal {
        ITaskMarket.TaskParams memory p = _submitted(requester, worker);
        uint256 d = _reject(p);
        _draw(d, 200);
        _vote(d, _seated(d, 0), _same(3, 1));
        _timeout(d);
        market.executeRuling(p);
    }

    function test_gas_dispute3Jurors() public {
        // a cheap transaction tells whether calls are isolated (intrinsic gas included)
        vm.prank(jurors[8]);
        court.requestLeave();
        isolated = _g() >= 21_000;

        vm.prevrandao(bytes32(uint256(0xa05)));
        _warmUp();
        ITaskMarket.TaskParams memory p = _submitted(requester, worker);
        uint256 cost = court.arbitrationCost("");
        uint256 total;
        uint256 g;

        vm.prank(requester);
        uint256 d = market.reject{value: cost}(p, VERDICT);
        g = _g();
        total += g;
        _rec("1_open", g);

        vm.roll(block.number + 1);
        vm.prank(keeper);
        court.draw(d, 200);
        g = _g();
        total += g;
        _rec("2_draw", g);
        emit log_named_uint("draw iterations", court.roundOf(d, 0).nonce);

        address[] memory s = _seated(d, 0);
        uint256 sum;
        for (uint256 i; i < 3; ++i) {
            bytes32 c = court.commitmentOf(d, 0, s[i], 2, _salt(s[i], d, 0));
            vm.prank(s[i]);
            court.commit(d, c);
            sum += _g();
        }
        total += sum;
        _rec("3_commits_x3", sum);
        sum = 0;
        for (uint256 i; i < 3; ++i) {
            vm.prank(s[i]);
            court.reveal(d, 2, _salt(s[i], d, 0));
            sum += _g();
        }
        total += sum;
        _rec("4_reveals_x3", sum);

        vm.warp(uint256(court.disputeOf(d).deadline) + 1);
        vm.prank(keeper);
        court.advance(d);
        g = _g();
        total += g;
        _rec("5_ruling", g);

        vm.prank(keeper);
        market.executeRuling(p);
        g = _g();
        total += g;
        _rec("6_execution", g);

        _rec("total", total);
        emit log_named_uint("isolated (1 = per-tx incl. 21k intrinsic)", isolated ? 1 : 0);
        // The issue's target is 450,000 and this design does not meet it (see the report in
        // the commit message / README): the ceiling below only catches regressions.
        if (isolated) assertLe(total, 900_000, "3-juror dispute regressed");
    }
}
