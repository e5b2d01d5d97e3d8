// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";

import {TaskMarket} from "../../src/TaskMarket.sol";
import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {MockArbitrator} from "../mocks/MockArbitrator.sol";
import {MockERC20} from "../mocks/Tokens.sol";

/// @notice Drives the market with random lifecycles over two assets (ETH and an ERC-20) and
///         keeps ghost sums per asset: escrowed payments, locked stakes, credited balances.
contract TaskMarketHandler is Test {
    TaskMarket public market;
    MockArbitrator public arb;
    MockERC20 public token;

    address[] public actors;
    ITaskMarket.TaskParams[] internal _tasks;
    bytes32[] public ids;
    mapping(bytes32 => uint256) public payouts; // settlements per task (I3)
    mapping(bytes32 => uint256) public lockedStake;
    mapping(address => uint256) public ghostEscrowed; // per asset
    mapping(address => uint256) public ghostStaked;
    mapping(address => mapping(address => uint256)) public ghostCredited; // actor => asset
    mapping(address => mapping(address => uint256)) public ghostWithdrawn;
    uint256 public maxPayouts;
    uint96 internal salt;
    uint256 public calls;
    /// @dev Successful calls per path, so a run can show it reached deep states.
    mapping(bytes32 => uint256) public hits;

    constructor(TaskMarket market_, MockArbitrator arb_, MockERC20 token_, AgentRegistry registry) {
        market = market_;
        arb = arb_;
        token = token_;
        for (uint256 i; i < 5; ++i) {
            address a = makeAddr(string.concat("actor", vm.toString(i)));
            actors.push(a);
            vm.deal(a, 1e30);
            token.mint(a, 1e36);
            vm.prank(a);
            token.approve(address(market), type(uint256).max);
            vm.prank(a);
            registry.register(bytes32(uint256(uint160(a))), bytes32(0), new bytes(64));
        }
    }

    function taskCount() external view returns (uint256) {
        return ids.length;
    }

    function taskParams(uint256 i) external view returns (ITaskMarket.TaskParams memory) {
        return _tasks[i];
    }

    function assets() public view returns (address[2] memory) {
        return [address(0), address(token)];
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _pick(uint256 seed) internal view returns (bool ok, uint256 i) {
        if (ids.length == 0) return (false, 0);
        return (true, seed % ids.length);
    }

    /// @dev First task at or after the seed's index whose status is in `mask` (bit per
    ///      Status), so random calls land on tasks that can take them.
    function _pickIn(uint256 seed, uint256 mask) internal view returns (bool, uint256) {
        return _pickIn(seed, mask, false);
    }

    /// @param live Also require the stage's deadline not to have passed.
    function _pickIn(uint256 seed, uint256 mask, bool live) internal view returns (bool, uint256) {
        uint256 n = ids.length;
        for (uint256 k; k < n; ++k) {
            uint256 i = (seed % n + k) % n;
            ITaskMarket.TaskState memory s = market.taskState(ids[i]);
            if (mask & (1 << uint8(s.status)) != 0 && (!live || s.deadline >= block.timestamp)) {
                return (true, i);
            }
        }
        return (false, 0);
    }

    function _credit(address who, address asset, uint256 amount) internal {
        ghostCredited[who][asset] += amount;
    }

    function _hit(bytes32 what) internal {
        hits[what]++;
    }

    function _settled(bytes32 id) internal {
        uint256 n = ++payouts[id];
        if (n > maxPayouts) maxPayouts = n;
    }

    // ---------------------------------------------------------------- actions

    function post(
        uint256 actorSeed,
        uint128 payment,
        uint16 stakeBps,
        bool erc20,
        uint32 claimIn,
        uint32 workIn
    ) external {
        calls++;
        address r = _actor(actorSeed);
        ITaskMarket.TaskParams memory p = ITaskMarket.TaskParams({
            requester: r,
            asset: erc20 ? address(token) : address(0),
            payment: uint128(bound(payment, 1, 1e24)),
            stakeBps: uint16(bound(stakeBps, 1, 10_000)),
            feeBps: market.feeBps(),
            claimDeadline: uint40(block.timestamp + bound(claimIn, 1, 10 days)),
            completionDeadline: 0,
            reviewWindow: uint32(bound(workIn, 1, 3 days)),
            maxDelegationDepth: 0,
            minAccuracy: 0,
            minCompletion: 0,
            domain: "inv",
            specHash: bytes32(uint256(salt)),
            parentTaskId: bytes32(0),
            salt: ++salt
        });
        p.completionDeadline = uint40(p.claimDeadline + bound(workIn, 1, 10 days));
        vm.prank(r);
        bytes32 id = market.postTask{value: erc20 ? 0 : p.payment}(p);
        _tasks.push(p);
        ids.push(id);
        ghostEscrowed[p.asset] += p.payment;
    }

    function claim(uint256 taskSeed, uint256 actorSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, 1 << 1, true);
        if (!ok) return;
        ITaskMarket.TaskParams memory p = _tasks[i];
        address w = _actor(actorSeed);
        uint256 stake = market.stakeOf(p);
        vm.prank(w);
        try market.claim{value: p.asset == address(0) ? stake : 0}(p) {
            _hit("claim");
            lockedStake[ids[i]] = stake;
            ghostStaked[p.asset] += stake;
        } catch (bytes memory err) {
            if (vm.envOr("AOS_INVARIANT_DEBUG", false)) emit log_bytes(err);
        }
    }

    function submit(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, 1 << 2, true);
        if (!ok) return;
        vm.prank(market.taskState(ids[i]).worker);
        try market.submit(ids[i], bytes32(i)) {
            _hit("submit");
        } catch {}
    }

    function accept(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, 1 << 3);
        if (!ok) return;
        ITaskMarket.TaskParams memory p = _tasks[i];
        vm.prank(p.requester);
        try market.accept(p) {
            _paidWorker(i);
        } catch {}
    }

    function finalize(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, 1 << 3);
        if (!ok) return;
        try market.finalize(_tasks[i]) {
            _paidWorker(i);
        } catch {}
    }

    function cancel(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, 1 << 1);
        if (!ok) return;
        ITaskMarket.TaskParams memory p = _tasks[i];
        vm.prank(p.requester);
        try market.cancel(p) {
            _settled(ids[i]);
            ghostEscrowed[p.asset] -= p.payment;
            _credit(p.requester, p.asset, p.payment);
        } catch {}
    }

    function expire(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, (1 << 1) | (1 << 2));
        if (!ok) return;
        _expire(i);
    }

    function _expire(uint256 i) internal {
        ITaskMarket.TaskParams memory p = _tasks[i];
        bytes32 id = ids[i];
        ITaskMarket.Status before = market.taskState(id).status;
        try market.expire(p) {
            _hit(before == ITaskMarket.Status.Claimed ? bytes32("fail") : bytes32("expire"));
            _settled(id);
            ghostEscrowed[p.asset] -= p.payment;
            uint256 stake = before == ITaskMarket.Status.Claimed ? lockedStake[id] : 0;
            ghostStaked[p.asset] -= stake;
            _credit(p.requester, p.asset, p.payment + stake);
        } catch {}
    }

    function reject(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, 1 << 3, true);
        if (!ok) return;
        ITaskMarket.TaskParams memory p = _tasks[i];
        uint256 bond = arb.cost();
        vm.prank(p.requester);
        try market.reject{value: bond}(p, keccak256(abi.encode("verdict", i))) {
            _hit("reject");
        } catch {}
    }

    /// @dev The requester or the worker of a Submitted or Disputed task puts evidence on
    ///      record; the call must leave the task's state and the market's holdings as they
    ///      were (evidence moves nothing).
    function evidence(uint256 taskSeed, bool byWorker) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, (1 << 3) | (1 << 4));
        if (!ok) return;
        ITaskMarket.TaskParams memory p = _tasks[i];
        ITaskMarket.TaskState memory before = market.taskState(ids[i]);
        uint256 eth = address(market).balance;
        uint256 tok = token.balanceOf(address(market));
        vm.prank(byWorker ? before.worker : p.requester);
        market.submitEvidence(p, keccak256(abi.encode("evidence", i, byWorker)));
        _hit("evidence");
        assertEq(abi.encode(market.taskState(ids[i])), abi.encode(before), "evidence moved state");
        assertEq(address(market).balance, eth, "evidence moved ETH");
        assertEq(token.balanceOf(address(market)), tok, "evidence moved tokens");
    }

    function rule(uint256 disputeSeed, uint256 ruling) external {
        calls++;
        uint256 n = arb.count();
        if (n == 0) return;
        for (uint256 k; k < n; ++k) {
            uint256 d = (disputeSeed % n + k) % n + 1;
            if (!arb.solved(d)) {
                arb.giveRuling(d, ruling % 3);
                return;
            }
        }
    }

    function executeRuling(uint256 taskSeed) external {
        calls++;
        (bool ok, uint256 i) = _pickIn(taskSeed, (1 << 5) | (1 << 6) | (1 << 7));
        if (!ok) return;
        _executeRuling(i);
    }

    function _executeRuling(uint256 i) internal {
        ITaskMarket.TaskParams memory p = _tasks[i];
        bytes32 id = ids[i];
        ITaskMarket.TaskState memory s = market.taskState(id);
        try market.executeRuling(p) {
            _hit("executeRuling");
            _settled(id);
            uint256 stake = lockedStake[id];
            ghostEscrowed[p.asset] -= p.payment;
            ghostStaked[p.asset] -= stake;
            if (s.status == ITaskMarket.Status.RuledForWorker) {
                uint256 fee = uint256(p.payment) * p.feeBps / 10_000;
                _credit(s.worker, p.asset, p.payment - fee + stake);
                _credit(market.feeRecipient(), p.asset, fee);
            } else if (s.status == ITaskMarket.Status.RuledForRequester) {
                _credit(p.requester, p.asset, p.payment + stake);
            } else {
                _credit(p.requester, p.asset, p.payment);
                _credit(s.worker, p.asset, stake);
            }
        } catch {}
    }

    function withdraw(uint256 actorSeed, bool erc20) external {
        calls++;
        address a = _actor(actorSeed);
        address asset = erc20 ? address(token) : address(0);
        vm.prank(a);
        try market.withdraw(asset, a) returns (uint256 amount) {
            ghostWithdrawn[a][asset] += amount;
            _hit("withdraw");
        } catch {}
    }

    function warp(uint32 secs) external {
        calls++;
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }

    function _paidWorker(uint256 i) internal {
        _hit("paidWorker");
        ITaskMarket.TaskParams memory p = _tasks[i];
        bytes32 id = ids[i];
        _settled(id);
        uint256 stake = lockedStake[id];
        uint256 fee = uint256(p.payment) * p.feeBps / 10_000;
        ghostEscrowed[p.asset] -= p.payment;
        ghostStaked[p.asset] -= stake;
        _credit(market.taskState(id).worker, p.asset, p.payment - fee + stake);
        _credit(market.feeRecipient(), p.asset, fee);
    }

    // ---------------------------------------------------------------- I2 helper

    /// @dev Warp past every deadline and call only permissionless timeouts (expire, finalize;
    ///      a pending dispute is ruled "refused" by the arbitrator's timeout, then executed).
    function settleEverythingByTimeouts() external {
        vm.warp(block.timestamp + 400 days);
        for (uint256 i; i < ids.length; ++i) {
            ITaskMarket.Status st = market.taskState(ids[i]).status;
            if (st == ITaskMarket.Status.Open || st == ITaskMarket.Status.Claimed) {
                _expire(i);
            } else if (st == ITaskMarket.Status.Submitted) {
                try market.finalize(_tasks[i]) {
                    _paidWorker(i);
                } catch {}
            } else if (st == ITaskMarket.Status.Disputed) {
                for (uint256 d = 1; d <= arb.count(); ++d) {
                    if (market.taskOfDispute(d) == ids[i]) arb.giveRuling(d, 0);
                }
                _executeRuling(i);
            } else if (
                st >= ITaskMarket.Status.RuledRefused && st <= ITaskMarket.Status.RuledForWorker
            ) {
                _executeRuling(i);
            }
        }
    }

    function withdrawAll() external {
        address[2] memory as_ = assets();
        for (uint256 a; a < actors.length; ++a) {
            for (uint256 k; k < 2; ++k) {
                if (market.balanceOf(actors[a], as_[k]) == 0) continue;
                vm.prank(actors[a]);
                ghostWithdrawn[actors[a]][as_[k]] += market.withdraw(as_[k], actors[a]);
            }
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }
}
