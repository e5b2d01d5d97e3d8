// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {DisputeCourt, DisputeCourtDefaults} from "../../src/DisputeCourt.sol";
import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";
import {IDisputeCourt} from "../../src/interfaces/IDisputeCourt.sol";
import {IKarmaRegistry} from "../../src/interfaces/IKarmaRegistry.sol";
import {IRandomnessSource} from "../../src/interfaces/IRandomnessSource.sol";
import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {GasBurner, RevertingReceiver} from "../mocks/Receivers.sol";
import {MockERC20} from "../mocks/Tokens.sol";
import {MockArbitrable} from "../mocks/court/CourtMocks.sol";
import {CourtFixture} from "../utils/CourtFixture.sol";

contract DisputeCourtTest is CourtFixture {
    // ================================================================ full disputes

    /// @dev post → claim → submit → reject → draw → 3 commits → 3 reveals → appeal window
    ///      passes → ruling → market.executeRuling → settlements → withdrawals.
    function _fullDispute(uint256[] memory votes, uint256 expected) internal {
        ITaskMarket.TaskParams memory p = _submitted(requester, worker);
        bytes32 taskId = market.taskIdOf(p);
        uint256 fee = court.arbitrationCost("");
        uint256 d = _reject(p);
        assertEq(market.taskOfDispute(d), taskId);
        (bytes32 dom, address req, address wrk) = court.partiesOf(d);
        assertEq(dom, DOMAIN);
        assertEq(req, requester);
        assertEq(wrk, worker);

        assertEq(_draw(d, 200), 3);
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Commit));
        address[] memory seated = _seated(d, 0);
        assertEq(seated.length, 3);
        _vote(d, seated, votes);
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Appeal));
        assertEq(court.currentRuling(d), expected);
        assertEq(uint256(court.disputeStatus(d)), uint256(IArbitrator.DisputeStatus.Appealable));

        _timeout(d); // appeal unfunded → final, delivered
        assertEq(uint256(court.disputeStatus(d)), uint256(IArbitrator.DisputeStatus.Solved));
        assertTrue(court.disputeOf(d).delivered);
        ITaskMarket.Status want = expected == RULING_WORKER
            ? ITaskMarket.Status.RuledForWorker
            : expected == RULING_REQUESTER
                ? ITaskMarket.Status.RuledForRequester
                : ITaskMarket.Status.RuledRefused;
        assertEq(uint256(market.taskState(taskId).status), uint256(want));

        vm.prank(keeper);
        market.executeRuling(p);
        assertEq(uint256(market.taskState(taskId).status), uint256(ITaskMarket.Status.Resolved));
        uint256 stake = market.stakeOf(p);
        if (expected == RULING_WORKER) {
            assertEq(market.balanceOf(worker, address(0)), PAYMENT + stake);
        } else if (expected == RULING_REQUESTER) {
            assertEq(market.balanceOf(requester, address(0)), PAYMENT + stake);
        } else {
            assertEq(market.balanceOf(requester, address(0)), PAYMENT);
        }
        // market-side withdrawal
        address winner = expected == RULING_WORKER ? worker : requester;
        vm.prank(winner);
        market.withdraw(address(0), winner);

        _checkPayouts(d, seated, votes, expected, fee);
    }

    function _checkPayouts(
        uint256 d,
        address[] memory seated,
        uint256[] memory votes,
        uint256 expected,
        uint256 fee
    ) internal {
        // settlements: coherent jurors share fee + slashed penalties; the parts add up
        _settleAll(d, 0, seated);
        uint256 pen = court.penalty();
        uint256 coherent;
        for (uint256 i; i < 3; ++i) {
            if (votes[i] == expected) ++coherent;
        }
        (uint256 feeShare, uint256 stakeShare, uint256 feeRest, uint256 stakeRest) =
            court.splitPot(fee, pen, 3, coherent);
        uint256 paidFee;
        uint256 paidStake;
        for (uint256 i; i < 3; ++i) {
            address j = seated[i];
            IDisputeCourt.Juror memory jr = court.jurorOf(j);
            assertEq(jr.locked, 0);
            IKarmaRegistry.Karma memory k = karma.karmaOf(j, JURY);
            if (votes[i] == expected) {
                assertEq(jr.stake, JUROR_STAKE);
                assertEq(court.balanceOf(j, address(0)), feeShare + stakeShare);
                assertEq(k.accuracy, 0.1e18);
            } else {
                assertEq(jr.stake, JUROR_STAKE - pen);
                assertEq(court.balanceOf(j, address(0)), 0);
                assertEq(k.accuracy, 0);
                assertEq(k.completion, 0.1e18);
            }
            paidFee += votes[i] == expected ? feeShare : 0;
            paidStake += votes[i] == expected ? stakeShare : 0;
        }
        assertEq(paidFee + feeRest, fee);
        assertEq(paidStake + stakeRest, (3 - coherent) * pen);
        assertEq(court.treasuryBalance(address(0)), feeRest + stakeRest);

        for (uint256 i; i < 3; ++i) {
            if (votes[i] != expected) continue;
            uint256 before = seated[i].balance;
            vm.prank(seated[i]);
            court.withdraw(address(0), address(0));
            assertEq(seated[i].balance - before, feeShare + stakeShare);
        }
        _assertSolvent();
    }

    function test_dispute_workerWins() public {
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (2, 2, 1);
        _fullDispute(v, RULING_WORKER);
    }

    function test_dispute_requesterWins() public {
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (1, 1, 1);
        _fullDispute(v, RULING_REQUESTER);
    }

    function test_dispute_refusedToRule() public {
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (0, 0, 2);
        _fullDispute(v, RULING_REFUSED);
    }

    /// @dev A tie at the top rules 0: one votes 1, one votes 2, one votes 0 → 0 (0 is coherent).
    function test_reveal_tieRulesZero() public {
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (1, 2, 0);
        _fullDispute(v, RULING_REFUSED);
    }

    // ================================================================ appeals

    function test_appeal_sevenJurorsOverturn() public {
        ITaskMarket.TaskParams memory p = _submitted(requester, worker);
        uint256 d = _reject(p);
        _draw(d, 200);
        address[] memory first = _seated(d, 0);
        _vote(d, first, _same(3, RULING_REQUESTER));
        assertEq(court.currentRuling(d), RULING_REQUESTER);

        uint256 cost = court.appealCost(d, "");
        assertEq(cost, 7 * cp.feePerJuror);
        (uint256 start, uint256 end) = court.appealPeriod(d);
        assertEq(end - start, cp.appealPeriod);
        vm.prank(worker);
        court.appeal{value: cost}(d, "");
        assertEq(court.disputeOf(d).round, 1);
        assertEq(uint256(court.disputeStatus(d)), uint256(IArbitrator.DisputeStatus.Waiting));

        assertEq(_draw(d, 1_000), 7);
        address[] memory second = _seated(d, 1);
        assertEq(second.length, 7);
        _vote(d, second, _same(7, RULING_WORKER));
        assertEq(court.currentRuling(d), RULING_WORKER);
        _timeout(d);
        assertEq(uint256(court.disputeStatus(d)), uint256(IArbitrator.DisputeStatus.Solved));
        market.executeRuling(p);
        assertEq(market.balanceOf(worker, address(0)), PAYMENT + market.stakeOf(p));

        // coherence is judged against the final ruling: round 0's unanimous jurors lose
        uint256 pen = court.penalty();
        _settleAll(d, 0, first);
        _settleAll(d, 1, second);
        for (uint256 i; i < first.length; ++i) {
            assertEq(court.seatOf(d, 0, first[i]).choice, RULING_REQUESTER);
        }
        // round 0 had no coherent juror: its fee and penalties go to the treasury;
        // round 1 was unanimous: each gets fee/7, nothing slashed
        (uint256 f1,,,) = court.splitPot(cost, pen, 7, 7);
        for (uint256 i; i < second.length; ++i) {
            bool alsoFirst;
            for (uint256 k; k < first.length; ++k) {
                if (first[k] == second[i]) alsoFirst = true;
            }
            assertEq(court.balanceOf(second[i], address(0)), f1);
            assertEq(court.jurorOf(second[i]).stake, alsoFirst ? JUROR_STAKE - pen : JUROR_STAKE);
        }
        assertEq(court.treasuryBalance(address(0)), court.arbitrationCost("") + 3 * pen);
        _assertSolvent();
    }

    function test_appeal_lastRoundIsFinal() public {
        IDisputeCourt.CourtParams memory p = DisputeCourtDefaults.devnet();
        p.maxRounds = 1;
        _redeploy(p, 3);
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 200);
        _vote(d, _seated(d, 0), _same(3, RULING_WORKER));
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Solved));
        assertEq(court.appealCost(d, ""), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IDisputeCourt.DisputeCourtNotAppealable.selector, d));
        court.appeal{value: 7 * p.feePerJuror}(d, "");
        court.advance(d); // delivers
        assertEq(
            uint256(market.taskState(market.taskIdOf(t)).status),
            uint256(ITaskMarket.Status.RuledForWorker)
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongPhase.selector, d, IDisputeCourt.Phase.Solved
            )
        );
        court.advance(d);
    }

    function test_appeal_wrongValueReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        _vote(d, _seated(d, 0), _same(3, 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongValue.selector, 7 * cp.feePerJuror, 1
            )
        );
        court.appeal{value: 1}(d, "");
    }

    /// @dev An appeal round that cannot fill 7 seats: the first ruling stands, appellant refunded.
    function test_advance_unstaffedAppealKeepsRuling() public {
        IDisputeCourt.CourtParams memory p = DisputeCourtDefaults.devnet();
        _redeploy(p, 4); // 4 jurors: 3 seats fine, 7 impossible
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 200);
        address[] memory first = _seated(d, 0);
        _vote(d, first, _same(3, RULING_REQUESTER));
        uint256 cost = court.appealCost(d, "");
        vm.prank(worker);
        court.appeal{value: cost}(d, "");
        _draw(d, 500);
        address[] memory second = _seated(d, 1);
        assertEq(second.length, 4);
        _timeout(d);
        assertEq(court.currentRuling(d), RULING_REQUESTER);
        assertTrue(court.roundOf(d, 1).unstaffed);
        assertEq(court.balanceOf(worker, address(0)), cost);
        market.executeRuling(t);
        _settleAll(d, 1, second);
        _settleAll(d, 0, first);
        for (uint256 i; i < second.length; ++i) {
            assertEq(court.jurorOf(second[i]).locked, 0);
            assertEq(court.seatOf(d, 1, second[i]).state == IDisputeCourt.SeatState.Settled, true);
        }
        _assertSolvent();
    }

    // ================================================================ commit–reveal

    function test_reveal_copiedCommitmentReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        bytes32 salt = _salt(s[0], d, 0);
        bytes32 c0 = court.commitmentOf(d, 0, s[0], 2, salt);
        vm.prank(s[0]);
        court.commit(d, c0);
        vm.prank(s[1]);
        court.commit(d, c0); // copies juror 0's commitment
        _commit(d, s[2], 1);
        vm.prank(s[1]);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeCourt.DisputeCourtBadReveal.selector, d, s[1])
        );
        court.reveal(d, 2, salt);
        vm.prank(s[0]);
        court.reveal(d, 2, salt);
    }

    function test_commit_secondCommitReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        _commit(d, s[0], 1);
        vm.prank(s[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongSeat.selector,
                d,
                0,
                s[0],
                IDisputeCourt.SeatState.Committed
            )
        );
        court.commit(d, bytes32(uint256(1)));
    }

    function test_commit_notSeatedReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongSeat.selector,
                d,
                0,
                keeper,
                IDisputeCourt.SeatState.None
            )
        );
        court.commit(d, bytes32(uint256(1)));
    }

    function test_reveal_secondRevealReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        for (uint256 i; i < 3; ++i) {
            _commit(d, s[i], 1);
        }
        _reveal(d, s[0], 1);
        vm.prank(s[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongSeat.selector,
                d,
                0,
                s[0],
                IDisputeCourt.SeatState.Revealed
            )
        );
        court.reveal(d, 2, _salt(s[0], d, 0));
    }

    function test_reveal_choiceAboveChoicesReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        for (uint256 i; i < 3; ++i) {
            _commit(d, s[i], 3);
        }
        vm.prank(s[0]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeCourt.DisputeCourtBadChoice.selector, 3));
        court.reveal(d, 3, _salt(s[0], d, 0));
    }

    // ================================================================ timeouts

    /// @dev One juror never commits, one never reveals: both are absent and lose the penalty.
    function test_advance_missingCommitsAndReveals() public {
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        _commit(d, s[0], 2);
        _commit(d, s[1], 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtDeadlineNotPassed.selector, d, court.disputeOf(d).deadline
            )
        );
        court.advance(d);
        _timeout(d); // commits missing → Reveal
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Reveal));
        _reveal(d, s[0], 2);
        _timeout(d); // reveals missing → tally: 1 vote for 2
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Appeal));
        assertEq(court.currentRuling(d), RULING_WORKER);
        _timeout(d);
        market.executeRuling(t);
        _settleAll(d, 0, s);
        uint256 pen = court.penalty();
        assertEq(court.jurorOf(s[0]).stake, JUROR_STAKE);
        assertEq(court.jurorOf(s[1]).stake, JUROR_STAKE - pen);
        assertEq(court.jurorOf(s[2]).stake, JUROR_STAKE - pen);
        assertEq(court.balanceOf(s[0], address(0)), court.arbitrationCost("") + 2 * pen);
        assertEq(karma.karmaOf(s[1], JURY).completion, 0); // Absent: (—, 0)
        _assertSolvent();
    }

    function test_advance_noCommitsRulesZero() public {
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        _timeout(d); // no commit at all → tallied at once, ruling 0
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Appeal));
        assertEq(court.currentRuling(d), RULING_REFUSED);
        _timeout(d);
        market.executeRuling(t);
        _settleAll(d, 0, s);
        // nobody coherent: the whole pot goes to the treasury
        assertEq(court.treasuryBalance(address(0)), court.arbitrationCost("") + 3 * court.penalty());
        _assertSolvent();
    }

    function test_advance_emptyPool() public {
        _redeploy(DisputeCourtDefaults.devnet(), 0);
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 fee = court.arbitrationCost("");
        uint256 d = _reject(t);
        assertEq(_draw(d, 100), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtDeadlineNotPassed.selector, d, court.disputeOf(d).deadline
            )
        );
        court.advance(d);
        _timeout(d);
        _assertRefused(t, d, fee);
    }

    function test_advance_oneEligibleJuror() public {
        _redeploy(DisputeCourtDefaults.devnet(), 1);
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 fee = court.arbitrationCost("");
        uint256 d = _reject(t);
        assertEq(_draw(d, 500), 1);
        uint256 pen = court.penalty();
        assertEq(court.jurorOf(jurors[0]).stake, JUROR_STAKE - pen);
        vm.warp(court.disputeOf(d).deadline);
        court.draw(d, 500); // still within the deadline: nobody else to draw
        _timeout(d);
        _assertRefused(t, d, fee);
        vm.prank(keeper);
        court.settle(d, 0, jurors[0]); // released: penalty back, no karma
        IDisputeCourt.Juror memory jr = court.jurorOf(jurors[0]);
        assertEq(jr.stake, JUROR_STAKE);
        assertEq(jr.locked, 0);
        assertEq(karma.karmaOf(jurors[0], JURY).updatedAt, 0);
        _assertSolvent();
    }

    function test_advance_allJurorsAreParties() public {
        _redeploy(DisputeCourtDefaults.devnet(), 0);
        // the requester and the worker are the only (karma-qualified) jurors
        _register(requester);
        _earnKarma(requester, TASKS_PER_JUROR);
        _earnKarma(worker, TASKS_PER_JUROR);
        vm.prank(requester);
        court.join{value: JUROR_STAKE}(JUROR_STAKE);
        vm.prank(worker);
        court.join{value: JUROR_STAKE}(JUROR_STAKE);
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 fee = court.arbitrationCost("");
        uint256 d = _reject(t);
        assertEq(_draw(d, 2_000), 0);
        _timeout(d);
        _assertRefused(t, d, fee);
    }

    /// @dev A juror holding, at draw time, the agent key a party held at creation is excluded.
    function test_draw_excludesPartyAgentKey() public {
        IDisputeCourt.CourtParams memory p = DisputeCourtDefaults.devnet();
        p.minJurors = 1;
        _redeploy(p, 1);
        address j = jurors[0];
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        bytes32 workerKey = registry.agentKeyOf(worker);
        // the worker hands its key to the juror's account after the dispute opened
        vm.prank(worker);
        registry.update(keccak256("worker-new-key"), bytes32(0), new bytes(64));
        vm.prank(j);
        registry.update(workerKey, bytes32(0), new bytes(64));
        assertEq(_draw(d, 2_000), 0);
        // with its own key back, it is drawable
        vm.prank(j);
        registry.update(keccak256("juror-own-key"), bytes32(0), new bytes(64));
        assertEq(court.draw(d, 2_000), 1);
    }

    function _assertRefused(ITaskMarket.TaskParams memory t, uint256 d, uint256 fee) internal {
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Solved));
        assertTrue(court.roundOf(d, 0).unstaffed);
        assertEq(court.currentRuling(d), RULING_REFUSED);
        assertEq(court.balanceOf(requester, address(0)), fee); // the fee comes back
        bytes32 id = market.taskIdOf(t);
        assertEq(uint256(market.taskState(id).status), uint256(ITaskMarket.Status.RuledRefused));
        uint256 r0 = market.balanceOf(requester, address(0));
        uint256 w0 = market.balanceOf(worker, address(0));
        market.executeRuling(t);
        assertEq(market.balanceOf(requester, address(0)) - r0, PAYMENT);
        assertEq(market.balanceOf(worker, address(0)) - w0, market.stakeOf(t));
    }

    // ================================================================ self-dealing

    /// @dev A requester that rejects its own sock puppet's work loses at least the fee,
    ///      whatever the jury rules.
    function test_reject_selfDealingLosesFee() public {
        for (uint256 ruling; ruling <= 2; ++ruling) {
            address sock = makeAddr(string.concat("sock", vm.toString(ruling)));
            vm.deal(sock, 10 ether);
            _register(sock);
            uint256 wealth0 = requester.balance + sock.balance;
            ITaskMarket.TaskParams memory t = _params(requester, PAYMENT);
            bytes32 id = _post(t);
            _claim(t, sock);
            _submit(id, sock);
            uint256 fee = court.arbitrationCost("");
            vm.prank(requester);
            uint256 d = market.reject{value: fee}(t, VERDICT);
            _draw(d, 500);
            address[] memory s = _seated(d, 0);
            for (uint256 i; i < s.length; ++i) {
                assertTrue(s[i] != requester && s[i] != sock);
            }
            _vote(d, s, _same(3, ruling));
            _timeout(d);
            market.executeRuling(t);
            _drain(requester);
            _drain(sock);
            uint256 wealth1 = requester.balance + sock.balance;
            assertLe(wealth1 + fee, wealth0, "self-dealing must cost at least the fee");
        }
    }

    function _drain(address a) internal {
        if (market.balanceOf(a, address(0)) != 0) {
            vm.prank(a);
            market.withdraw(address(0), a);
        }
        if (court.balanceOf(a, address(0)) != 0) {
            vm.prank(a);
            court.withdraw(address(0), a);
        }
    }

    // ================================================================ pull payments

    function test_withdraw_revertingJurorsDoNotBlockOthers() public {
        _redeploy(DisputeCourtDefaults.devnet(), 1);
        RevertingReceiver bad = new RevertingReceiver();
        GasBurner burner = new GasBurner();
        _contractJuror(address(bad));
        _contractJuror(address(burner));
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 2_000);
        address[] memory s = new address[](3);
        (s[0], s[1], s[2]) = (jurors[0], address(bad), address(burner));
        for (uint256 i; i < 3; ++i) {
            assertEq(
                uint256(court.seatOf(d, 0, s[i]).state), uint256(IDisputeCourt.SeatState.Drawn)
            );
        }
        _vote(d, s, _same(3, RULING_WORKER));
        _timeout(d);
        market.executeRuling(t);
        _settleAll(d, 0, s);
        uint256 share = court.arbitrationCost("") / 3;
        vm.prank(address(bad));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtTransferFailed.selector, address(bad), share
            )
        );
        court.withdraw(address(0), address(0));
        vm.prank(address(burner));
        vm.expectRevert();
        court.withdraw{gas: 200_000}(address(0), address(0));
        uint256 before = jurors[0].balance;
        vm.prank(jurors[0]);
        court.withdraw(address(0), address(0));
        assertEq(jurors[0].balance - before, share);
        // the reverting juror can still be paid to another address
        vm.prank(address(bad));
        court.withdraw(address(0), keeper);
        _assertSolvent();
    }

    function _contractJuror(address j) internal {
        jurors.push(j);
        vm.deal(j, 100 ether);
        _register(j);
        _earnKarma(j, TASKS_PER_JUROR);
        vm.prank(j);
        court.join{value: JUROR_STAKE}(JUROR_STAKE);
    }

    // ================================================================ rulings

    function test_advance_redeliversAfterFailedRule() public {
        MockArbitrable arb = new MockArbitrable(IArbitrator(address(court)));
        uint256 fee = court.arbitrationCost("");
        uint256 d = arb.open{value: fee}(3, ""); // no domain, no parties
        _draw(d, 500);
        _vote(d, _seated(d, 0), _same(3, 3));
        arb.setFailRule(true);
        _timeout(d);
        assertEq(uint256(_phase(d)), uint256(IDisputeCourt.Phase.Solved));
        assertFalse(court.disputeOf(d).delivered);
        assertEq(arb.ruleCalls(), 0);
        arb.setFailRule(false);
        court.advance(d);
        assertEq(arb.ruleCalls(), 1);
        assertEq(arb.lastRuling(), 3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongPhase.selector, d, IDisputeCourt.Phase.Solved
            )
        );
        court.advance(d);
        assertEq(arb.ruleCalls(), 1);
    }

    function test_createDispute_badInputsRevert() public {
        MockArbitrable arb = new MockArbitrable(IArbitrator(address(court)));
        uint256 fee = court.arbitrationCost("");
        vm.expectRevert(abi.encodeWithSelector(IDisputeCourt.DisputeCourtBadChoices.selector, 0));
        arb.open{value: fee}(0, "");
        vm.expectRevert(abi.encodeWithSelector(IDisputeCourt.DisputeCourtBadChoices.selector, 16));
        arb.open{value: fee}(16, "");
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeCourt.DisputeCourtWrongValue.selector, fee, fee - 1)
        );
        arb.open{value: fee - 1}(2, "");
        vm.expectRevert(IDisputeCourt.DisputeCourtBadExtraData.selector);
        arb.open{value: fee}(2, hex"01");
        // longer extraData: the first three words count
        uint256 d = arb.open{value: fee}(
            2, abi.encodePacked(abi.encode(DOMAIN, requester, worker), uint256(7))
        );
        (bytes32 dom,, address w) = court.partiesOf(d);
        assertEq(dom, DOMAIN);
        assertEq(w, worker);
    }

    // ================================================================ pool

    function test_join_unregisteredReverts() public {
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeCourt.DisputeCourtNotRegistered.selector, keeper)
        );
        court.join{value: 1 ether}(1 ether);
    }

    function test_join_belowMinStakeReverts() public {
        _register(keeper);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IDisputeCourt.DisputeCourtBadStake.selector, 1));
        court.join{value: 1}(1);
    }

    function test_executeLeave_beforeDelayReverts() public {
        vm.prank(jurors[0]);
        court.requestLeave();
        vm.prank(jurors[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtLeaveNotReady.selector,
                jurors[0],
                block.timestamp + cp.leaveDelay
            )
        );
        court.executeLeave();
    }

    /// @dev Locked stake cannot leave, and a pending withdrawal is still slashed.
    function test_executeLeave_lockedStakeStaysAndIsSlashed() public {
        IDisputeCourt.CourtParams memory p = DisputeCourtDefaults.devnet();
        p.leaveDelay = 10 minutes;
        _redeploy(p, 3);
        cp = p;
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        address j = s[2];
        vm.prank(j);
        court.requestLeave();
        vm.warp(block.timestamp + cp.leaveDelay);
        uint256 pen = court.penalty();
        vm.prank(j);
        uint256 out = court.executeLeave();
        assertEq(out, JUROR_STAKE - cp.minStake); // minStake − penalty locked, penalty in the pot
        assertEq(court.jurorOf(j).stake, cp.minStake - pen);
        vm.prank(j);
        vm.expectRevert(abi.encodeWithSelector(IDisputeCourt.DisputeCourtNothingFree.selector, j));
        court.executeLeave();
        // the dispute goes on; j votes with the minority and is slashed
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (2, 2, 1);
        _vote(d, s, v);
        _timeout(d);
        market.executeRuling(t);
        vm.prank(keeper);
        court.settle(d, 0, j);
        assertEq(court.jurorOf(j).stake, cp.minStake - pen);
        assertEq(court.jurorOf(j).locked, 0);
        vm.prank(j);
        assertEq(court.executeLeave(), cp.minStake - pen);
        vm.prank(j);
        court.withdraw(address(0), address(0));
        assertEq(court.jurorOf(j).stake, 0);
        _settleAll(d, 0, _two(s[0], s[1]));
        _assertSolvent();
    }

    /// @dev Stake raised after a round opened does not count in that round.
    function test_draw_skipsStakeRaisedAfterOpen() public {
        IDisputeCourt.CourtParams memory p = DisputeCourtDefaults.devnet();
        p.minJurors = 1;
        _redeploy(p, 1);
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        vm.warp(block.timestamp + 1);
        vm.prank(jurors[0]);
        court.join{value: 1}(1);
        assertEq(_draw(d, 2_000), 0);
    }

    function test_settle_beforeSolvedReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeCourt.DisputeCourtRoundNotSettleable.selector, d, 0)
        );
        court.settle(d, 0, s[0]);
    }

    function test_settle_twiceReverts() public {
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 200);
        address[] memory s = _seated(d, 0);
        _vote(d, s, _same(3, 1));
        _timeout(d);
        court.settle(d, 0, s[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeCourt.DisputeCourtWrongSeat.selector,
                d,
                0,
                s[0],
                IDisputeCourt.SeatState.Settled
            )
        );
        court.settle(d, 0, s[0]);
    }

    function test_draw_pendingRandomnessReverts() public {
        uint256 d = _reject(_submitted(requester, worker));
        uint256 rid = court.roundOf(d, 0).randomnessId;
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeCourt.DisputeCourtRandomnessPending.selector, d, rid)
        );
        court.draw(d, 10);
    }

    function test_withdrawTreasury_onlyOwner() public {
        test_advance_noCommitsRulesZero();
        uint256 amount = court.treasuryBalance(address(0));
        vm.prank(keeper);
        vm.expectRevert();
        court.withdrawTreasury(address(0), keeper);
        vm.prank(owner);
        assertEq(court.withdrawTreasury(address(0), owner), amount);
        assertEq(owner.balance, amount);
    }

    // ================================================================ ERC-20 stake

    function test_join_erc20StakeDisputeSettles() public {
        MockERC20 token = new MockERC20("STK");
        _deploy(DisputeCourtDefaults.devnet(), address(token));
        delete jurors;
        _register(worker);
        for (uint256 i; i < 3; ++i) {
            address j = makeAddr(string.concat("tjuror", vm.toString(i)));
            jurors.push(j);
            _makeJuror(j, 0);
            token.mint(j, 10 ether);
            vm.startPrank(j);
            token.approve(address(court), type(uint256).max);
            vm.expectRevert(
                abi.encodeWithSelector(IDisputeCourt.DisputeCourtWrongValue.selector, 0, 1)
            );
            court.join{value: 1}(JUROR_STAKE);
            court.join(JUROR_STAKE);
            vm.stopPrank();
        }
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 500);
        address[] memory s = _seated(d, 0);
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (1, 1, 2);
        _vote(d, s, v);
        _timeout(d);
        _settleAll(d, 0, s);
        uint256 pen = court.penalty();
        (uint256 f, uint256 st, uint256 fr, uint256 sr) =
            court.splitPot(court.arbitrationCost(""), pen, 3, 2);
        assertEq(court.balanceOf(s[0], address(0)), f);
        assertEq(court.balanceOf(s[0], address(token)), st);
        assertEq(court.treasuryBalance(address(0)), fr);
        assertEq(court.treasuryBalance(address(token)), sr);
        assertEq(token.balanceOf(address(court)), 3 * JUROR_STAKE);
        vm.prank(s[0]);
        court.withdraw(address(token), address(0));
        assertEq(token.balanceOf(s[0]), 10 ether - JUROR_STAKE + st);
    }

    // ================================================================ dust

    /// @dev Every division's parts add up to the whole.
    function test_fuzz_splitPot_partsAddUp(
        uint256 fee,
        uint256 pen,
        uint256 seats,
        uint256 coherent
    ) public view {
        fee = bound(fee, 0, 1e30);
        pen = bound(pen, 0, type(uint88).max);
        seats = bound(seats, 1, 65_535);
        coherent = bound(coherent, 0, seats);
        (uint256 fs, uint256 ss, uint256 fr, uint256 sr) = court.splitPot(fee, pen, seats, coherent);
        assertEq(fs * coherent + fr, fee);
        assertEq(ss * coherent + sr, (seats - coherent) * pen);
        if (coherent != 0) {
            assertLt(fr, coherent);
            assertLt(sr, coherent);
        }
    }

    function test_splitPot_dustCases() public view {
        uint256[4] memory totals = [uint256(1), 2, 101, 1e27];
        for (uint256 i; i < 4; ++i) {
            for (uint256 c = 1; c <= 3; ++c) {
                (uint256 fs, uint256 ss, uint256 fr, uint256 sr) =
                    court.splitPot(totals[i], totals[i], 3, c);
                assertEq(fs * c + fr, totals[i]);
                assertEq(ss * c + sr, (3 - c) * totals[i]);
            }
        }
    }

    /// @dev A whole dispute with fee per juror 1, 2, 101 and 1e27 wei (and a penalty that does
    ///      not divide): what jurors and the treasury get is exactly what came in.
    function test_fuzz_dispute_dustAddsUp(uint256 which, uint256 alphaBps) public {
        uint128[4] memory fees = [uint128(1), 2, 101, 1e27];
        IDisputeCourt.CourtParams memory p = DisputeCourtDefaults.devnet();
        p.feePerJuror = fees[bound(which, 0, 3)];
        p.alphaBps = uint16(bound(alphaBps, 0, 10_000));
        p.minStake = 0.1 ether + 1;
        _redeploy(p, 3);
        vm.deal(requester, 1e29);
        ITaskMarket.TaskParams memory t = _submitted(requester, worker);
        uint256 d = _reject(t);
        _draw(d, 500);
        address[] memory s = _seated(d, 0);
        uint256[] memory v = new uint256[](3);
        (v[0], v[1], v[2]) = (2, 2, 1);
        _vote(d, s, v);
        _timeout(d);
        _settleAll(d, 0, s);
        uint256 fee = 3 * uint256(p.feePerJuror);
        uint256 pen = court.penalty();
        uint256 paid = court.balanceOf(s[0], address(0)) + court.balanceOf(s[1], address(0))
            + court.balanceOf(s[2], address(0)) + court.treasuryBalance(address(0));
        assertEq(paid, fee + pen, "fee + the minority penalty, exactly");
        _assertSolvent();
    }

    // ================================================================ helpers

    /// @dev Fresh deployment with `p` and `n` karma-qualified jurors staking JUROR_STAKE.
    function _redeploy(IDisputeCourt.CourtParams memory p, uint256 n) internal {
        _deploy(p, address(0));
        delete jurors;
        _register(worker);
        for (uint256 i; i < n; ++i) {
            address j = makeAddr(string.concat("rjuror", vm.toString(i)));
            jurors.push(j);
            _makeJuror(j, JUROR_STAKE);
        }
    }

    function _two(address a, address b) internal pure returns (address[] memory s) {
        s = new address[](2);
        (s[0], s[1]) = (a, b);
    }

    /// @dev ETH held == stakes + balances + treasury + what unsettled seats / rounds still hold.
    ///      Checked here as ≥ (the exact form is the invariant suite's).
    function _assertSolvent() internal view {
        uint256 owed = court.treasuryBalance(address(0));
        for (uint256 i; i < jurors.length; ++i) {
            owed += court.jurorOf(jurors[i]).stake + court.balanceOf(jurors[i], address(0));
        }
        owed += court.balanceOf(requester, address(0)) + court.balanceOf(worker, address(0));
        assertGe(address(court).balance, owed, "court solvent");
    }
}
