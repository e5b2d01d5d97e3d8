// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";
import {MockERC20} from "../mocks/Tokens.sol";

/// @notice Gas benchmark of the task lifecycle, per transaction, as a wallet pays it: each
///         step's `gasTotalUsed` under `--isolate` (every top-level call its own transaction,
///         21,000 intrinsic gas and calldata included). Written to contracts/snapshots/*.json
///         with vm.snapshotValue; `FORGE_SNAPSHOT_CHECK=true` fails the run on any change.
///         Run: `forge test --isolate --match-path 'contracts/test/gas/*'` (script/test.sh does).
///         Targets (issue #2): ETH lifecycle ≤ 200,000; ERC-20 lifecycle ≤ 260,000, steady state.
contract MarketGasTest is MarketFixture {
    MockERC20 internal token;
    /// @dev Snapshots are written only under `--isolate` (per-transaction figures), so a
    ///      plain `forge test` never overwrites them with in-test figures.
    bool internal isolated;

    function setUp() public override {
        super.setUp();
        token = new MockERC20("USD");
        token.mint(requester, 1e30);
        token.mint(worker, 1e30);
        vm.prank(requester);
        token.approve(address(market), type(uint256).max);
        vm.prank(worker);
        token.approve(address(market), type(uint256).max);
        // a cheap call tells whether calls are isolated (intrinsic gas included)
        market.feeBps();
        isolated = _g() >= 21_000;
    }

    function _g() internal view returns (uint256) {
        return vm.lastCallGas().gasTotalUsed;
    }

    /// @dev One lifecycle; returns per-step gas: post, claim, submit, accept, withdraw.
    function _lifecycle(address asset) internal returns (uint256[5] memory g) {
        ITaskMarket.TaskParams memory p = _params(asset, asset == address(0) ? 0.05 ether : 50e18);
        uint256 stake = market.stakeOf(p);
        bytes32 id = market.taskIdOf(p);
        vm.prank(requester);
        market.postTask{value: asset == address(0) ? p.payment : 0}(p);
        g[0] = _g();
        vm.prank(worker);
        market.claim{value: asset == address(0) ? stake : 0}(p);
        g[1] = _g();
        vm.prank(worker);
        market.submit(id, keccak256("result"));
        g[2] = _g();
        vm.prank(requester);
        market.accept(p);
        g[3] = _g();
        vm.prank(worker);
        market.withdraw(asset, worker);
        g[4] = _g();
    }

    function _record(string memory group, uint256[5] memory g) internal returns (uint256 total) {
        total = g[0] + g[1] + g[2] + g[3] + g[4];
        if (!isolated) return total;
        vm.snapshotValue(group, "1_post", g[0]);
        vm.snapshotValue(group, "2_claim", g[1]);
        vm.snapshotValue(group, "3_submit", g[2]);
        vm.snapshotValue(group, "4_accept", g[3]);
        vm.snapshotValue(group, "5_withdraw", g[4]);
        vm.snapshotValue(group, "total", total);
    }

    function test_gas_ethLifecycle() public {
        uint256 first = _record("market_eth_first_time", _lifecycle(address(0)));
        uint256 steady = _record("market_eth_steady_state", _lifecycle(address(0)));
        emit log_named_uint("ETH lifecycle, first time (gas)", first);
        emit log_named_uint("ETH lifecycle, steady state (gas), target 200000", steady);
    }

    function test_gas_erc20Lifecycle() public {
        uint256 first = _record("market_erc20_first_time", _lifecycle(address(token)));
        uint256 steady = _record("market_erc20_steady_state", _lifecycle(address(token)));
        emit log_named_uint("ERC-20 lifecycle, first time (gas)", first);
        emit log_named_uint("ERC-20 lifecycle, steady state (gas), target 260000", steady);
    }
}
