// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";

import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {KarmaRegistry} from "../../src/KarmaRegistry.sol";
import {TaskMarket} from "../../src/TaskMarket.sol";
import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";
import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {MockArbitrator} from "../mocks/MockArbitrator.sol";
import {MockERC20} from "../mocks/Tokens.sol";
import {TaskMarketHandler} from "./TaskMarketHandler.sol";

/// @notice Market invariants, per asset (issue #2): I1 solvency, I2 timeouts settle
///         everything, I3 one payout per task, I5 locked stake cannot leave.
///         Profile `ci`: 100 runs × 100 calls = 10,000 calls per invariant, fixed seed.
contract TaskMarketInvariantTest is Test {
    TaskMarket internal market;
    TaskMarketHandler internal handler;
    MockERC20 internal token;
    address internal feeTo = makeAddr("feeTo");

    function setUp() public {
        vm.warp(1_800_000_000);
        AgentRegistry registry = new AgentRegistry();
        KarmaRegistry karma = new KarmaRegistry(0.1e18, 30 days, 0.5e18);
        MockArbitrator arb = new MockArbitrator(0.01 ether);
        market = new TaskMarket(address(this), registry, karma, IArbitrator(address(arb)));
        karma.setWriters(address(market), address(arb));
        market.setFee(300, feeTo);
        token = new MockERC20("USD");
        handler = new TaskMarketHandler(market, arb, token, registry);
        targetContract(address(handler));
        bytes4[] memory sel = new bytes4[](13);
        sel[0] = handler.post.selector;
        sel[1] = handler.claim.selector;
        sel[2] = handler.submit.selector;
        sel[3] = handler.accept.selector;
        sel[4] = handler.finalize.selector;
        sel[5] = handler.cancel.selector;
        sel[6] = handler.expire.selector;
        sel[7] = handler.reject.selector;
        sel[8] = handler.rule.selector;
        sel[9] = handler.executeRuling.selector;
        sel[10] = handler.withdraw.selector;
        sel[11] = handler.warp.selector;
        sel[12] = handler.evidence.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: sel}));
    }

    function _held(address asset) internal view returns (uint256) {
        return asset == address(0) ? address(market).balance : token.balanceOf(address(market));
    }

    function _owedBalances(address asset) internal view returns (uint256 sum) {
        for (uint256 a; a < handler.actorCount(); ++a) {
            sum += market.balanceOf(handler.actors(a), asset);
        }
        sum += market.balanceOf(feeTo, asset);
    }

    /// I1: balance ≥ escrowed + staked + withdrawable (fees are the fee recipient's
    /// withdrawable balance); with no donations possible it is an equality.
    function invariant_I1_solventPerAsset() public view {
        address[2] memory as_ = handler.assets();
        for (uint256 k; k < 2; ++k) {
            uint256 owed =
                handler.ghostEscrowed(as_[k]) + handler.ghostStaked(as_[k]) + _owedBalances(as_[k]);
            assertGe(_held(as_[k]), owed, "I1");
            assertEq(_held(as_[k]), owed, "I1 exact");
        }
    }

    /// Ghost credits agree with the market's books, and nobody withdrew more than credited.
    function invariant_balancesMatchGhosts() public view {
        address[2] memory as_ = handler.assets();
        for (uint256 a; a < handler.actorCount(); ++a) {
            address who = handler.actors(a);
            for (uint256 k; k < 2; ++k) {
                uint256 credited = handler.ghostCredited(who, as_[k]);
                uint256 withdrawn = handler.ghostWithdrawn(who, as_[k]);
                assertLe(withdrawn, credited, "I5: withdrew more than credited");
                assertEq(market.balanceOf(who, as_[k]), credited - withdrawn);
            }
        }
    }

    /// The handler reaches every deep path: a fixed pseudo-random walk of 600 calls must
    /// produce claims, payouts, disputes, executed rulings, failures, expiries and withdrawals.
    /// (Guards against a handler whose calls all silently fail.)
    function test_handler_reachesDeepPaths() public {
        uint256 seed = 42;
        for (uint256 n; n < 600; ++n) {
            seed = uint256(keccak256(abi.encode(seed)));
            uint256 op = seed % 12;
            uint256 x = seed >> 8;
            if (op == 0 || op == 1) {
                handler.post(
                    x,
                    uint128(x >> 16),
                    uint16(x >> 32),
                    x % 2 == 0,
                    uint32(x >> 48),
                    uint32(x >> 80)
                );
            } else if (op == 2) {
                handler.claim(x, x >> 8);
            } else if (op == 3) {
                handler.submit(x);
            } else if (op == 4) {
                handler.accept(x);
            } else if (op == 5) {
                handler.finalize(x);
            } else if (op == 6) {
                handler.cancel(x);
            } else if (op == 7) {
                handler.expire(x);
            } else if (op == 8) {
                handler.reject(x);
                // evidence changes no state, so the walk's other paths are unaffected
                handler.evidence(x, x % 2 == 0);
            } else if (op == 9) {
                handler.rule(x, x >> 8);
            } else if (op == 10) {
                handler.executeRuling(x);
            } else {
                handler.withdraw(x, x % 2 == 0);
            }
            if (n % 7 == 0) handler.warp(uint32(x >> 100));
        }
        string[9] memory paths = [
            "claim",
            "submit",
            "paidWorker",
            "reject",
            "evidence",
            "executeRuling",
            "fail",
            "expire",
            "withdraw"
        ];
        for (uint256 i; i < paths.length; ++i) {
            uint256 h = handler.hits(bytes32(bytes(paths[i])));
            emit log_named_uint(paths[i], h);
            assertGt(h, 0, paths[i]);
        }
        invariant_I1_solventPerAsset();
        invariant_I2_timeoutsSettleEverything();
    }

    /// I3: a task pays out once.
    function invariant_I3_payOnce() public view {
        assertLe(handler.maxPayouts(), 1, "I3");
    }

    /// I5: a live claim's stake stays in the contract (covered by I1's ghost of locked stakes)
    /// and no settlement returned more stake than was locked.
    function invariant_I5_lockedStakeStays() public view {
        address[2] memory as_ = handler.assets();
        for (uint256 k; k < 2; ++k) {
            assertGe(_held(as_[k]), handler.ghostStaked(as_[k]), "I5");
        }
    }

    /// I2: warping past every deadline and calling only the permissionless timeouts leaves
    /// every task final; after everyone withdraws, only the fees are held.
    function invariant_I2_timeoutsSettleEverything() public {
        uint256 snap = vm.snapshotState();
        handler.settleEverythingByTimeouts();
        for (uint256 i; i < handler.taskCount(); ++i) {
            ITaskMarket.Status st = market.taskState(handler.ids(i)).status;
            assertTrue(
                st == ITaskMarket.Status.Accepted || st == ITaskMarket.Status.Cancelled
                    || st == ITaskMarket.Status.Expired || st == ITaskMarket.Status.Failed
                    || st == ITaskMarket.Status.Resolved,
                "I2: task not final"
            );
        }
        handler.withdrawAll();
        address[2] memory as_ = handler.assets();
        for (uint256 k; k < 2; ++k) {
            assertEq(handler.ghostEscrowed(as_[k]), 0);
            assertEq(handler.ghostStaked(as_[k]), 0);
            assertEq(_held(as_[k]), market.balanceOf(feeTo, as_[k]), "I2: only fees held");
        }
        vm.revertToState(snap);
    }
}
