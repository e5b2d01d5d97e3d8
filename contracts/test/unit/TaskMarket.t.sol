// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";
import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {IKarmaRegistry} from "../../src/interfaces/IKarmaRegistry.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";
import {FeeOnTransferToken, MockERC20, NoReturnToken, ReentrantToken} from "../mocks/Tokens.sol";
import {GasBurner, RevertingReceiver} from "../mocks/Receivers.sol";

contract TaskMarketTest is MarketFixture {
    MockERC20 internal token;

    function setUp() public override {
        super.setUp();
        token = new MockERC20("USD");
        token.mint(requester, 1e30);
        token.mint(worker, 1e30);
        vm.prank(requester);
        token.approve(address(market), type(uint256).max);
        vm.prank(worker);
        token.approve(address(market), type(uint256).max);
    }

    // ------------------------------------------------------------------ postTask

    function test_postTask_escrowsEth() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        assertEq(id, keccak256(abi.encode(p)));
        assertEq(id, market.taskIdOf(p));
        assertEq(address(market).balance, 1 ether);
        ITaskMarket.TaskState memory s = market.taskState(id);
        assertEq(uint8(s.status), uint8(ITaskMarket.Status.Open));
        assertEq(s.deadline, p.claimDeadline);
        assertEq(s.maxDepth, 2);
    }

    function test_postTask_emitsFullParams() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        vm.expectEmit(address(market));
        emit ITaskMarket.TaskPosted(keccak256(abi.encode(p)), requester, DOMAIN, p);
        _post(p);
    }

    function test_postTask_escrowsErc20() public {
        ITaskMarket.TaskParams memory p = _params(address(token), 500e18);
        _post(p);
        assertEq(token.balanceOf(address(market)), 500e18);
    }

    function test_postTask_revertsWhenNotRequester() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnauthorized.selector, stranger, "requester"
            )
        );
        vm.prank(stranger);
        market.postTask{value: 1 ether}(p);
    }

    function test_postTask_revertsWhenPaymentZero() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 0);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketBadParams.selector, "payment is zero")
        );
        _post(p);
    }

    function test_postTask_revertsWhenStakeBpsOutOfRange() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.stakeBps = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketBadParams.selector, "stakeBps not in 1..10000"
            )
        );
        _post(p);
        p.stakeBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketBadParams.selector, "stakeBps not in 1..10000"
            )
        );
        _post(p);
    }

    function test_postTask_revertsWhenDeadlinesBad() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.claimDeadline = uint40(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketBadParams.selector, "claimDeadline not in the future"
            )
        );
        _post(p);
        p = _params(address(0), 1 ether);
        p.completionDeadline = p.claimDeadline;
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketBadParams.selector,
                "completionDeadline not after claimDeadline"
            )
        );
        _post(p);
    }

    function test_postTask_revertsWhenDepthTooDeep() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.maxDelegationDepth = 9;
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketBadParams.selector, "maxDelegationDepth > 8"
            )
        );
        _post(p);
    }

    function test_postTask_revertsWhenKarmaMinimumAboveOne() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.minAccuracy = uint64(WAD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketBadParams.selector, "karma minimum > 1e18")
        );
        _post(p);
    }

    function test_postTask_revertsWhenFeeMismatch() public {
        vm.prank(owner);
        market.setFee(100, owner);
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.feeBps = 0;
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketFeeMismatch.selector, 100, 0));
        _post(p);
    }

    function test_postTask_revertsWhenDuplicate() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketTaskExists.selector, id));
        _post(p);
    }

    function test_postTask_revertsWhenWrongValue() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketWrongValue.selector, 1 ether, 0.5 ether)
        );
        vm.prank(requester);
        market.postTask{value: 0.5 ether}(p);
        p = _params(address(token), 1e18);
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketWrongValue.selector, 0, 1));
        vm.prank(requester);
        market.postTask{value: 1}(p);
    }

    function test_postTask_refusesFeeOnTransferToken() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(100);
        fot.mint(requester, 1e21);
        vm.prank(requester);
        fot.approve(address(market), type(uint256).max);
        ITaskMarket.TaskParams memory p = _params(address(fot), 1e20);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketTransferShortfall.selector, address(fot), 1e20, 99e18
            )
        );
        _post(p);
        assertEq(fot.balanceOf(address(market)), 0, "nothing stuck");
        assertEq(fot.balanceOf(requester), 1e21, "nothing lost");
    }

    function test_postTask_subTaskByParentWorker() public {
        ITaskMarket.TaskParams memory parent = _params(address(0), 1 ether);
        bytes32 pid = _post(parent);
        _claim(parent, worker);
        ITaskMarket.TaskParams memory child = _params(address(0), 0.2 ether);
        child.requester = worker;
        child.parentTaskId = pid;
        child.maxDelegationDepth = 5;
        vm.prank(worker);
        bytes32 cid = market.postTask{value: 0.2 ether}(child);
        assertEq(market.parentOf(cid), pid);
        ITaskMarket.TaskState memory s = market.taskState(cid);
        assertEq(s.depth, 1);
        assertEq(s.maxDepth, 2, "inherits the parent's limit");
    }

    function test_postTask_revertsWhenBadParent() public {
        ITaskMarket.TaskParams memory parent = _params(address(0), 1 ether);
        bytes32 pid = _post(parent);
        ITaskMarket.TaskParams memory child = _params(address(0), 0.2 ether);
        child.requester = worker;
        child.parentTaskId = pid;
        // parent not claimed yet
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketBadParent.selector, pid));
        vm.prank(worker);
        market.postTask{value: 0.2 ether}(child);
        // claimed by someone else
        _claim(parent, worker2);
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketBadParent.selector, pid));
        vm.prank(worker);
        market.postTask{value: 0.2 ether}(child);
    }

    function test_postTask_revertsWhenDepthExhausted() public {
        ITaskMarket.TaskParams memory parent = _params(address(0), 1 ether);
        parent.maxDelegationDepth = 1;
        bytes32 pid = _post(parent);
        _claim(parent, worker);
        ITaskMarket.TaskParams memory child = _params(address(0), 0.2 ether);
        child.requester = worker;
        child.parentTaskId = pid;
        vm.prank(worker);
        bytes32 cid = market.postTask{value: 0.2 ether}(child);
        _claim(child, worker2);
        ITaskMarket.TaskParams memory grandchild = _params(address(0), 0.1 ether);
        grandchild.requester = worker2;
        grandchild.parentTaskId = cid;
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketBadParent.selector, cid));
        vm.prank(worker2);
        market.postTask{value: 0.1 ether}(grandchild);
    }

    // ------------------------------------------------------------------ cancel

    function test_cancel_refundsRequester() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.prank(requester);
        market.cancel(p);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Cancelled));
        assertEq(market.balanceOf(requester, address(0)), 1 ether);
    }

    function test_cancel_revertsWhenNotRequester() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnauthorized.selector, stranger, "requester"
            )
        );
        vm.prank(stranger);
        market.cancel(p);
    }

    function test_cancel_revertsWhenClaimed() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Claimed
            )
        );
        vm.prank(requester);
        market.cancel(p);
    }

    function test_cancel_revertsWhenUnknown() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnknownTask.selector, keccak256(abi.encode(p))
            )
        );
        vm.prank(requester);
        market.cancel(p);
    }

    // ------------------------------------------------------------------ claim

    function test_claim_locksStake() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        assertEq(market.stakeOf(p), 0.1 ether);
        assertEq(address(market).balance, 1.1 ether);
        ITaskMarket.TaskState memory s = market.taskState(id);
        assertEq(s.worker, worker);
        assertEq(uint8(s.status), uint8(ITaskMarket.Status.Claimed));
        assertEq(s.deadline, p.completionDeadline);
    }

    function test_claim_stakeRoundsUp() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1);
        assertEq(market.stakeOf(p), 1);
    }

    function test_claim_erc20Stake() public {
        ITaskMarket.TaskParams memory p = _params(address(token), 1000e18);
        _post(p);
        _claim(p, worker);
        assertEq(token.balanceOf(address(market)), 1100e18);
    }

    function test_claim_revertsWhenRequester() public {
        _register(requester);
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnauthorized.selector, requester, "not the requester"
            )
        );
        _claim(p, requester);
    }

    function test_claim_revertsWhenNotRegistered() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketNotRegistered.selector, stranger)
        );
        _claim(p, stranger);
    }

    function test_claim_revertsWhenKarmaTooLow() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.minAccuracy = 0.15e18;
        _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketKarmaTooLow.selector, DOMAIN, 0, 0)
        );
        _claim(p, worker);
    }

    function test_claim_passesKarmaGateAfterEarningIt() public {
        _happy(worker, 1 ether); // accuracy 0.1
        _happy(worker, 1 ether); // accuracy 0.19
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.minAccuracy = 0.15e18;
        p.minCompletion = 0.15e18;
        _post(p);
        _claim(p, worker);
        ITaskMarket.TaskParams memory q = _params(address(0), 1 ether);
        q.minAccuracy = 0.15e18;
        _post(q);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketKarmaTooLow.selector, DOMAIN, 0, 0)
        );
        _claim(q, worker2);
    }

    function test_claim_revertsAfterClaimDeadline() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.warp(p.claimDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketDeadlinePassed.selector, id, p.claimDeadline
            )
        );
        _claim(p, worker);
    }

    function test_claim_revertsWhenAlreadyClaimed() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Claimed
            )
        );
        _claim(p, worker2);
    }

    function test_claim_revertsWhenWrongStake() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketWrongValue.selector, 0.1 ether, 0.05 ether)
        );
        vm.prank(worker);
        market.claim{value: 0.05 ether}(p);
    }

    /// Front-running: the requester swaps the task for a cheaper one between the worker's read
    /// and its claim. The claim names the payment it read (it is part of the id) and reverts.
    function test_claim_revertsWhenPaymentChangedBeforeClaim() public {
        ITaskMarket.TaskParams memory seen = _params(address(0), 1 ether);
        bytes32 id = _post(seen);
        // requester front-runs: cancel and repost the same spec for less
        vm.prank(requester);
        market.cancel(seen);
        ITaskMarket.TaskParams memory cheaper = _copy(seen);
        cheaper.payment = 0.01 ether;
        _post(cheaper);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Cancelled
            )
        );
        _claim(seen, worker);
        // and a claim that names a payment the task does not have is an unknown task
        ITaskMarket.TaskParams memory lie = _copy(cheaper);
        lie.payment = 0.5 ether;
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnknownTask.selector, keccak256(abi.encode(lie))
            )
        );
        _claim(lie, worker);
    }

    // ------------------------------------------------------------------ submit

    function test_submit_startsReviewWindow() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.expectEmit(address(market));
        emit ITaskMarket.TaskSubmitted(id, worker, keccak256(abi.encode("result", id)));
        _submit(id, worker);
        ITaskMarket.TaskState memory s = market.taskState(id);
        assertEq(uint8(s.status), uint8(ITaskMarket.Status.Submitted));
        assertEq(s.deadline, block.timestamp + 1 hours);
    }

    function test_submit_revertsWhenNotWorker() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketUnauthorized.selector, worker2, "worker")
        );
        _submit(id, worker2);
    }

    function test_submit_revertsAfterDeadline() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.warp(p.completionDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketDeadlinePassed.selector, id, p.completionDeadline
            )
        );
        _submit(id, worker);
    }

    function test_submit_revertsWhenUnknownOrWrongStatus() public {
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketUnknownTask.selector, bytes32(uint256(7)))
        );
        _submit(bytes32(uint256(7)), worker);
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Open
            )
        );
        _submit(id, worker);
    }

    // ------------------------------------------------------------------ accept / finalize

    function test_accept_creditsWorkerAndRecordsKarma() public {
        (ITaskMarket.TaskParams memory p, bytes32 id) = _happy(worker, 1 ether);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Accepted));
        assertEq(market.balanceOf(worker, address(0)), 1.1 ether);
        (uint256 acc, uint256 comp) = karma.scores(worker, DOMAIN);
        assertEq(acc, 0.1e18);
        assertEq(comp, 0.1e18);
        assertEq(karma.earningsOf(worker, address(0)), 1 ether);
        assertEq(karma.karmaOf(worker, DOMAIN).tasks, 1);
        p; // silence
    }

    function test_accept_takesProtocolFee() public {
        vm.prank(owner);
        market.setFee(250, stranger);
        (ITaskMarket.TaskParams memory p,) = _happy(worker, 1 ether);
        assertEq(p.feeBps, 250);
        assertEq(market.balanceOf(stranger, address(0)), 0.025 ether);
        assertEq(market.balanceOf(worker, address(0)), 1.075 ether);
        assertEq(karma.earningsOf(worker, address(0)), 0.975 ether);
    }

    function test_accept_revertsWhenNotRequester() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketUnauthorized.selector, worker, "requester")
        );
        vm.prank(worker);
        market.accept(p);
    }

    function test_accept_revertsWhenNotSubmitted() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Claimed
            )
        );
        _accept(p);
    }

    function test_accept_paysOnce() public {
        (ITaskMarket.TaskParams memory p, bytes32 id) = _happy(worker, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Accepted
            )
        );
        _accept(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Accepted
            )
        );
        market.finalize(p);
    }

    function test_finalize_paysAfterReviewWindow() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        uint40 end = market.taskState(id).deadline;
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketDeadlineNotPassed.selector, id, end)
        );
        market.finalize(p);
        vm.warp(end + 1);
        vm.prank(stranger);
        market.finalize(p);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Accepted));
        assertEq(market.balanceOf(worker, address(0)), 1.1 ether);
    }

    function test_accept_subTaskKarmaFlowsUpAttenuated() public {
        ITaskMarket.TaskParams memory parent = _params(address(0), 1 ether);
        bytes32 pid = _post(parent);
        _claim(parent, worker);
        ITaskMarket.TaskParams memory child = _params(address(0), 0.2 ether);
        child.requester = worker;
        child.parentTaskId = pid;
        vm.prank(worker);
        bytes32 cid = market.postTask{value: 0.2 ether}(child);
        _claim(child, worker2);
        _submit(cid, worker2);
        vm.prank(worker);
        market.accept(child);
        (uint256 acc2,) = karma.scores(worker2, DOMAIN);
        (uint256 acc1,) = karma.scores(worker, DOMAIN);
        assertEq(acc2, 0.1e18, "sub-worker: full alpha");
        assertEq(acc1, 0.05e18, "delegator: alpha / 2");
        assertEq(karma.karmaOf(worker, DOMAIN).tasks, 0, "attenuated records do not count tasks");
    }

    // ------------------------------------------------------------------ reject / rule / executeRuling

    function _disputed(uint128 payment)
        internal
        returns (ITaskMarket.TaskParams memory p, bytes32 id, uint256 d)
    {
        p = _params(address(0), payment);
        id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.prank(requester);
        d = market.reject{value: ARBITRATION_COST}(p, VERDICT);
    }

    function test_reject_opensDispute() public {
        (, bytes32 id, uint256 d) = _disputed(1 ether);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Disputed));
        assertEq(market.taskOfDispute(d), id);
        assertEq(address(arb).balance, ARBITRATION_COST);
    }

    function test_reject_revertsWhenWrongBond() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketWrongValue.selector, ARBITRATION_COST, 0)
        );
        vm.prank(requester);
        market.reject(p, VERDICT);
    }

    function test_reject_revertsAfterReviewWindow() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        uint40 end = market.taskState(id).deadline;
        vm.warp(end + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketDeadlinePassed.selector, id, end)
        );
        vm.prank(requester);
        market.reject{value: ARBITRATION_COST}(p, VERDICT);
    }

    function test_reject_revertsWhenNotRequester() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnauthorized.selector, stranger, "requester"
            )
        );
        vm.prank(stranger);
        market.reject{value: ARBITRATION_COST}(p, VERDICT);
    }

    function test_reject_recordsVerdictAsEvidence() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.expectEmit(address(market));
        emit ITaskMarket.TaskDisputed(id, 1, ARBITRATION_COST);
        vm.expectEmit(address(market));
        emit ITaskMarket.Evidence(IArbitrator(address(arb)), uint256(id), requester, VERDICT);
        vm.prank(requester);
        market.reject{value: ARBITRATION_COST}(p, VERDICT);
    }

    function test_reject_revertsWhenEvidenceZero() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketEmptyEvidence.selector, id));
        vm.prank(requester);
        market.reject{value: ARBITRATION_COST}(p, bytes32(0));
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Submitted));
    }

    // ------------------------------------------------------------------ submitEvidence

    /// @dev post → claim → submit, ETH, 1 ether.
    function _submittedTask() internal returns (ITaskMarket.TaskParams memory p, bytes32 id) {
        p = _params(address(0), 1 ether);
        id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
    }

    function _expectEvidence(bytes32 id, address party, bytes32 evidence) internal {
        vm.expectEmit(address(market));
        emit ITaskMarket.Evidence(IArbitrator(address(arb)), uint256(id), party, evidence);
    }

    function test_submitEvidence_workerRepliesWhileDisputed() public {
        (ITaskMarket.TaskParams memory p, bytes32 id,) = _disputed(1 ether);
        bytes32 reply = keccak256("reply");
        _expectEvidence(id, worker, reply);
        vm.prank(worker);
        market.submitEvidence(p, reply);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Disputed));
    }

    function test_submitEvidence_requesterAddsWhileDisputed() public {
        (ITaskMarket.TaskParams memory p, bytes32 id,) = _disputed(1 ether);
        bytes32 more = keccak256("more");
        _expectEvidence(id, requester, more);
        vm.prank(requester);
        market.submitEvidence(p, more);
    }

    function test_submitEvidence_eitherPartyWhileSubmitted() public {
        (ITaskMarket.TaskParams memory p, bytes32 id) = _submittedTask();
        ITaskMarket.TaskState memory before = market.taskState(id);
        _expectEvidence(id, worker, keccak256("notes"));
        vm.prank(worker);
        market.submitEvidence(p, keccak256("notes"));
        _expectEvidence(id, requester, keccak256("verdict: pass"));
        vm.prank(requester);
        market.submitEvidence(p, keccak256("verdict: pass"));
        // evidence changes nothing: the review window and the status are as they were
        assertEq(abi.encode(market.taskState(id)), abi.encode(before));
        _accept(p);
        assertEq(market.balanceOf(worker, address(0)), 1.1 ether);
    }

    function test_submitEvidence_allowedAfterReviewWindowUntilSettled() public {
        (ITaskMarket.TaskParams memory p, bytes32 id) = _submittedTask();
        vm.warp(market.taskState(id).deadline + 1);
        _expectEvidence(id, worker, keccak256("late"));
        vm.prank(worker);
        market.submitEvidence(p, keccak256("late"));
    }

    function test_submitEvidence_revertsWhenStranger() public {
        (ITaskMarket.TaskParams memory p,) = _submittedTask();
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnauthorized.selector, stranger, "requester or worker"
            )
        );
        vm.prank(stranger);
        market.submitEvidence(p, keccak256("x"));
    }

    function test_submitEvidence_revertsWhenEvidenceZero() public {
        (ITaskMarket.TaskParams memory p, bytes32 id) = _submittedTask();
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketEmptyEvidence.selector, id));
        vm.prank(worker);
        market.submitEvidence(p, bytes32(0));
    }

    function test_submitEvidence_revertsWhenUnknownTask() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketUnknownTask.selector, keccak256(abi.encode(p))
            )
        );
        vm.prank(requester);
        market.submitEvidence(p, keccak256("x"));
    }

    function test_submitEvidence_revertsWhenOpen() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Open
            )
        );
        vm.prank(requester);
        market.submitEvidence(p, keccak256("x"));
    }

    function test_submitEvidence_revertsWhenClaimed() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Claimed
            )
        );
        vm.prank(worker);
        market.submitEvidence(p, keccak256("x"));
    }

    function test_submitEvidence_revertsWhenAccepted() public {
        (ITaskMarket.TaskParams memory p, bytes32 id) = _submittedTask();
        _accept(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Accepted
            )
        );
        vm.prank(worker);
        market.submitEvidence(p, keccak256("x"));
    }

    function test_submitEvidence_revertsOnceRuled() public {
        (ITaskMarket.TaskParams memory p, bytes32 id, uint256 d) = _disputed(1 ether);
        arb.giveRuling(d, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.RuledForRequester
            )
        );
        vm.prank(worker);
        market.submitEvidence(p, keccak256("too late"));
        market.executeRuling(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Resolved
            )
        );
        vm.prank(requester);
        market.submitEvidence(p, keccak256("too late"));
    }

    /// Only the two parties may put evidence on record, and only a non-zero blob id; what
    /// they record is emitted unchanged.
    function test_fuzz_submitEvidence_onlyPartiesNonZero(
        address caller,
        bytes32 evidence,
        bool disputed
    ) public {
        ITaskMarket.TaskParams memory p;
        bytes32 id;
        if (disputed) (p, id,) = _disputed(1 ether);
        else (p, id) = _submittedTask();
        ITaskMarket.TaskState memory before = market.taskState(id);
        bool party = caller == requester || caller == worker;
        if (!party) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITaskMarket.TaskMarketUnauthorized.selector, caller, "requester or worker"
                )
            );
        } else if (evidence == bytes32(0)) {
            vm.expectRevert(
                abi.encodeWithSelector(ITaskMarket.TaskMarketEmptyEvidence.selector, id)
            );
        } else {
            _expectEvidence(id, caller, evidence);
        }
        vm.prank(caller);
        market.submitEvidence(p, evidence);
        assertEq(abi.encode(market.taskState(id)), abi.encode(before));
    }

    function test_executeRuling_workerWins() public {
        (ITaskMarket.TaskParams memory p, bytes32 id, uint256 d) = _disputed(1 ether);
        arb.giveRuling(d, 2);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.RuledForWorker));
        market.executeRuling(p);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Resolved));
        assertEq(market.balanceOf(worker, address(0)), 1.1 ether);
        assertEq(market.balanceOf(requester, address(0)), 0);
        assertEq(karma.karmaOf(worker, DOMAIN).disputesWon, 1);
    }

    function test_executeRuling_requesterWins() public {
        (ITaskMarket.TaskParams memory p,, uint256 d) = _disputed(1 ether);
        arb.giveRuling(d, 1);
        market.executeRuling(p);
        assertEq(market.balanceOf(requester, address(0)), 1.1 ether);
        assertEq(market.balanceOf(worker, address(0)), 0);
        IKarmaRegistryKarma memory k = _k(worker);
        assertEq(k.accuracy, 0);
        assertEq(k.completion, 0.1e18);
        assertEq(k.disputesLost, 1);
    }

    function test_executeRuling_refusedSplitsBack() public {
        (ITaskMarket.TaskParams memory p,, uint256 d) = _disputed(1 ether);
        arb.giveRuling(d, 0);
        market.executeRuling(p);
        assertEq(market.balanceOf(requester, address(0)), 1 ether);
        assertEq(market.balanceOf(worker, address(0)), 0.1 ether);
    }

    function test_executeRuling_revertsWhenNotRuled() public {
        (ITaskMarket.TaskParams memory p, bytes32 id,) = _disputed(1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Disputed
            )
        );
        market.executeRuling(p);
    }

    function test_rule_revertsWhenNotArbitrator() public {
        (,, uint256 d) = _disputed(1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskMarket.TaskMarketUnknownDispute.selector, stranger, d)
        );
        vm.prank(stranger);
        market.rule(d, 2);
    }

    function test_rule_revertsWhenRulingOutOfRange() public {
        (,, uint256 d) = _disputed(1 ether);
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketBadRuling.selector, 3));
        arb.giveRuling(d, 3);
    }

    function test_rule_revertsWhenRuledTwice() public {
        (, bytes32 id, uint256 d) = _disputed(1 ether);
        arb.giveRuling(d, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.RuledForWorker
            )
        );
        arb.giveRuling(d, 1);
    }

    // ------------------------------------------------------------------ expire

    function test_expire_unclaimedRefunds() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketDeadlineNotPassed.selector, id, p.claimDeadline
            )
        );
        market.expire(p);
        vm.warp(p.claimDeadline + 1);
        vm.prank(stranger);
        market.expire(p);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Expired));
        assertEq(market.balanceOf(requester, address(0)), 1 ether);
    }

    function test_expire_undeliveredForfeitsStake() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        vm.warp(p.completionDeadline + 1);
        market.expire(p);
        assertEq(uint8(_status(id)), uint8(ITaskMarket.Status.Failed));
        assertEq(market.balanceOf(requester, address(0)), 1.1 ether);
        assertEq(market.balanceOf(worker, address(0)), 0);
        assertEq(_k(worker).completion, 0);
        assertEq(_k(worker).tasks, 1);
    }

    function test_expire_revertsWhenSubmitted() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        vm.warp(p.completionDeadline + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketWrongStatus.selector, id, ITaskMarket.Status.Submitted
            )
        );
        market.expire(p);
    }

    // ------------------------------------------------------------------ withdraw

    function test_withdraw_sendsEthOnce() public {
        _happy(worker, 1 ether);
        uint256 before = worker.balance;
        vm.prank(worker);
        uint256 amount = market.withdraw(address(0), worker);
        assertEq(amount, 1.1 ether);
        assertEq(worker.balance, before + 1.1 ether);
        assertEq(market.balanceOf(worker, address(0)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketNothingToWithdraw.selector, worker, address(0)
            )
        );
        vm.prank(worker);
        market.withdraw(address(0), worker);
    }

    function test_withdraw_zeroToMeansSelf() public {
        _happy(worker, 1 ether);
        uint256 before = worker.balance;
        vm.prank(worker);
        market.withdraw(address(0), address(0));
        assertEq(worker.balance, before + 1.1 ether);
    }

    function test_withdrawMany_batchesAssets() public {
        _happy(worker, 1 ether);
        ITaskMarket.TaskParams memory p = _params(address(token), 100e18);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        _accept(p);
        address[] memory assets = new address[](2);
        assets[0] = address(0);
        assets[1] = address(token);
        uint256 t0 = token.balanceOf(worker);
        uint256 e0 = worker.balance;
        vm.prank(worker);
        market.withdrawMany(assets, worker);
        assertEq(worker.balance, e0 + 1.1 ether);
        assertEq(token.balanceOf(worker), t0 + 110e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketNothingToWithdraw.selector, worker, address(0)
            )
        );
        vm.prank(worker);
        market.withdrawMany(assets, worker);
    }

    function test_withdraw_revertingReceiverBlocksNobody() public {
        RevertingReceiver rr = new RevertingReceiver();
        vm.deal(address(rr), 10 ether);
        _register(address(rr));
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        rr.exec(address(market), 0.1 ether, abi.encodeCall(market.claim, (p)));
        rr.exec(address(market), 0, abi.encodeCall(market.submit, (id, bytes32("r"))));
        _accept(p); // settlement succeeds although the worker rejects ETH
        // others are paid normally
        _happy(worker, 1 ether);
        vm.prank(worker);
        market.withdraw(address(0), worker);
        // the receiver's own withdrawal to itself fails loudly and loses nothing ...
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketTransferFailed.selector, address(rr), 1.1 ether
            )
        );
        rr.exec(address(market), 0, abi.encodeCall(market.withdraw, (address(0), address(rr))));
        assertEq(market.balanceOf(address(rr), address(0)), 1.1 ether);
        // ... and it can withdraw to another address
        rr.exec(address(market), 0, abi.encodeCall(market.withdraw, (address(0), stranger)));
        assertEq(market.balanceOf(address(rr), address(0)), 0);
    }

    function test_withdraw_gasBurnerBlocksNobody() public {
        GasBurner gb = new GasBurner();
        vm.deal(address(gb), 10 ether);
        _register(address(gb));
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        gb.exec(address(market), 0.1 ether, abi.encodeCall(market.claim, (p)));
        gb.exec(address(market), 0, abi.encodeCall(market.submit, (id, bytes32("r"))));
        _accept(p);
        _happy(worker, 1 ether);
        vm.prank(worker);
        market.withdraw(address(0), worker);
        vm.expectRevert();
        gb.exec{gas: 1_000_000}(
            address(market), 0, abi.encodeCall(market.withdraw, (address(0), address(gb)))
        );
        assertEq(market.balanceOf(address(gb), address(0)), 1.1 ether, "credit kept");
        gb.exec(address(market), 0, abi.encodeCall(market.withdraw, (address(0), stranger)));
        assertEq(stranger.balance, 1_000 ether + 1.1 ether);
    }

    function test_withdraw_noReturnToken() public {
        NoReturnToken nr = new NoReturnToken();
        nr.mint(requester, 1e21);
        nr.mint(worker, 1e21);
        vm.prank(requester);
        nr.approve(address(market), type(uint256).max);
        vm.prank(worker);
        nr.approve(address(market), type(uint256).max);
        ITaskMarket.TaskParams memory p = _params(address(nr), 1e20);
        bytes32 id = _post(p);
        _claim(p, worker);
        _submit(id, worker);
        _accept(p);
        vm.prank(worker);
        market.withdraw(address(nr), worker);
        assertEq(nr.balanceOf(worker), 1e21 + 1e20);
        assertEq(nr.balanceOf(address(market)), 0);
    }

    function test_withdraw_reentrantTokenCannotDrain() public {
        ReentrantToken re = new ReentrantToken();
        re.mint(requester, 1e21);
        re.mint(worker, 1e21);
        vm.prank(requester);
        re.approve(address(market), type(uint256).max);
        vm.prank(worker);
        re.approve(address(market), type(uint256).max);
        // two tasks so the market holds more than the worker is owed
        ITaskMarket.TaskParams memory p = _params(address(re), 1e20);
        bytes32 id = _post(p);
        _post(_params(address(re), 5e20));
        _claim(p, worker);
        _submit(id, worker);
        _accept(p);
        // on the payout transfer, the token re-enters withdraw for the worker
        re.arm(address(market), abi.encodeCall(market.withdraw, (address(re), worker)));
        vm.prank(worker);
        market.withdraw(address(re), worker);
        assertTrue(re.reentered());
        assertFalse(re.reentrySucceeded(), "guard stopped the re-entry");
        assertEq(re.balanceOf(worker), 1e21 - 1e19 + 1.1e20, "paid exactly once");
        assertEq(re.balanceOf(address(market)), 5e20, "the other escrow is intact");
    }

    function test_postTask_reentrantTokenCannotReenter() public {
        ReentrantToken re = new ReentrantToken();
        re.mint(requester, 1e21);
        vm.prank(requester);
        re.approve(address(market), type(uint256).max);
        ITaskMarket.TaskParams memory q = _params(address(re), 1e20);
        re.arm(address(market), abi.encodeCall(market.cancel, (q)));
        _post(q);
        assertTrue(re.reentered());
        assertFalse(re.reentrySucceeded());
        assertEq(uint8(_status(keccak256(abi.encode(q)))), uint8(ITaskMarket.Status.Open));
    }

    // ------------------------------------------------------------------ setFee

    function test_setFee_onlyOwnerAndCapped() public {
        vm.expectRevert(
            abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger)
        );
        vm.prank(stranger);
        market.setFee(100, stranger);
        vm.expectRevert(abi.encodeWithSelector(ITaskMarket.TaskMarketFeeTooHigh.selector, 501, 500));
        vm.prank(owner);
        market.setFee(501, owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskMarket.TaskMarketBadParams.selector, "fee recipient is zero"
            )
        );
        vm.prank(owner);
        market.setFee(1, address(0));
        vm.prank(owner);
        market.setFee(500, stranger);
        assertEq(market.feeBps(), 500);
        assertEq(market.feeRecipient(), stranger);
    }

    function test_setFee_doesNotTouchPostedTasks() public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        bytes32 id = _post(p);
        vm.prank(owner);
        market.setFee(500, stranger);
        _claim(p, worker);
        _submit(id, worker);
        _accept(p);
        assertEq(market.balanceOf(worker, address(0)), 1.1 ether);
        assertEq(market.balanceOf(stranger, address(0)), 0);
    }

    // ------------------------------------------------------------------ fuzz

    function test_fuzz_lifecycle_conservesValue(uint128 payment, uint16 stakeBps, uint16 feeBps)
        public
    {
        payment = uint128(bound(payment, 1, 1e30));
        stakeBps = uint16(bound(stakeBps, 1, 10_000));
        feeBps = uint16(bound(feeBps, 0, 500));
        vm.prank(owner);
        market.setFee(feeBps, stranger);
        ITaskMarket.TaskParams memory p = _params(address(token), payment);
        p.stakeBps = stakeBps;
        bytes32 id = _post(p);
        uint256 stake = market.stakeOf(p);
        assertGe(stake * 10_000, uint256(payment) * stakeBps);
        assertLt(stake * 10_000, uint256(payment) * stakeBps + 10_000);
        _claim(p, worker);
        _submit(id, worker);
        _accept(p);
        uint256 w = market.balanceOf(worker, address(token));
        uint256 f = market.balanceOf(stranger, address(token));
        assertEq(w + f, uint256(payment) + stake, "parts add up");
        assertEq(token.balanceOf(address(market)), w + f);
    }

    function test_fuzz_expire_refundsAllAfterAnyDelay(uint128 payment, uint32 delay, bool claimIt)
        public
    {
        payment = uint128(bound(payment, 1, 1e30));
        ITaskMarket.TaskParams memory p = _params(address(token), payment);
        _post(p);
        uint256 stake;
        if (claimIt) {
            _claim(p, worker);
            stake = market.stakeOf(p);
        }
        uint256 deadline = claimIt ? p.completionDeadline : p.claimDeadline;
        vm.warp(bound(delay, deadline + 1, deadline + 365 days));
        market.expire(p);
        assertEq(market.balanceOf(requester, address(token)), uint256(payment) + stake);
    }

    function test_fuzz_postTask_deadlines(uint40 claimDl, uint40 completionDl) public {
        ITaskMarket.TaskParams memory p = _params(address(0), 1 ether);
        p.claimDeadline = uint40(bound(claimDl, block.timestamp + 1, type(uint40).max - 1));
        p.completionDeadline = uint40(bound(completionDl, p.claimDeadline + 1, type(uint40).max));
        bytes32 id = _post(p);
        assertEq(market.taskState(id).deadline, p.claimDeadline);
    }

    // ------------------------------------------------------------------ helpers

    function _copy(ITaskMarket.TaskParams memory p)
        internal
        pure
        returns (ITaskMarket.TaskParams memory)
    {
        return abi.decode(abi.encode(p), (ITaskMarket.TaskParams));
    }

    struct IKarmaRegistryKarma {
        uint64 accuracy;
        uint64 completion;
        uint32 tasks;
        uint24 disputesWon;
        uint24 disputesLost;
    }

    function _k(address a) internal view returns (IKarmaRegistryKarma memory r) {
        IKarmaRegistry.Karma memory k = karma.karmaOf(a, DOMAIN);
        r = IKarmaRegistryKarma(k.accuracy, k.completion, k.tasks, k.disputesWon, k.disputesLost);
    }
}
