// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";

import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {KarmaRegistry} from "../../src/KarmaRegistry.sol";
import {TaskMarket} from "../../src/TaskMarket.sol";
import {IArbitrator} from "../../src/interfaces/IArbitrator.sol";
import {ITaskMarket} from "../../src/interfaces/ITaskMarket.sol";
import {MockArbitrator} from "../mocks/MockArbitrator.sol";

/// @notice Deploys AgentRegistry, KarmaRegistry, a MockArbitrator and the TaskMarket, and
///         offers helpers for the task lifecycle.
abstract contract MarketFixture is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant ALPHA = 0.1e18;
    uint256 internal constant HALF_LIFE = 30 days;
    uint256 internal constant ATTENUATION = 0.5e18;
    uint256 internal constant ARBITRATION_COST = 0.01 ether;
    bytes32 internal constant DOMAIN = "summarisation";
    /// @dev Stand-in BLAKE3 id of a requester's verdict blob (evidence of a rejection).
    bytes32 internal constant VERDICT = keccak256("verdict");

    AgentRegistry internal registry;
    KarmaRegistry internal karma;
    MockArbitrator internal arb;
    TaskMarket internal market;

    address internal owner = makeAddr("owner");
    address internal requester = makeAddr("requester");
    address internal worker = makeAddr("worker");
    address internal worker2 = makeAddr("worker2");
    address internal stranger = makeAddr("stranger");

    uint96 internal nextSalt = 1;

    function setUp() public virtual {
        vm.warp(1_800_000_000);
        registry = new AgentRegistry();
        karma = new KarmaRegistry(ALPHA, HALF_LIFE, ATTENUATION);
        arb = new MockArbitrator(ARBITRATION_COST);
        market = new TaskMarket(owner, registry, karma, IArbitrator(address(arb)));
        karma.setWriters(address(market), address(arb));
        _register(worker);
        _register(worker2);
        vm.deal(requester, 1_000 ether);
        vm.deal(worker, 1_000 ether);
        vm.deal(worker2, 1_000 ether);
        vm.deal(stranger, 1_000 ether);
    }

    function _register(address account) internal {
        vm.prank(account);
        registry.register(
            keccak256(abi.encode("ed25519", account)), keccak256("manifest"), new bytes(64)
        );
    }

    function _params(address asset, uint128 payment)
        internal
        returns (ITaskMarket.TaskParams memory p)
    {
        p = ITaskMarket.TaskParams({
            requester: requester,
            asset: asset,
            payment: payment,
            stakeBps: 1000,
            feeBps: market.feeBps(),
            claimDeadline: uint40(block.timestamp + 1 hours),
            completionDeadline: uint40(block.timestamp + 2 hours),
            reviewWindow: 1 hours,
            maxDelegationDepth: 2,
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
        id = market.postTask{value: p.asset == address(0) ? p.payment : 0}(p);
    }

    function _claim(ITaskMarket.TaskParams memory p, address who) internal {
        uint256 stake = (uint256(p.payment) * p.stakeBps + 9_999) / 10_000; // no call: keeps expectRevert aimed
        vm.prank(who);
        market.claim{value: p.asset == address(0) ? stake : 0}(p);
    }

    function _submit(bytes32 id, address who) internal {
        vm.prank(who);
        market.submit(id, keccak256(abi.encode("result", id)));
    }

    function _accept(ITaskMarket.TaskParams memory p) internal {
        vm.prank(p.requester);
        market.accept(p);
    }

    /// @dev post → claim → submit → accept, ETH.
    function _happy(address who, uint128 payment)
        internal
        returns (ITaskMarket.TaskParams memory p, bytes32 id)
    {
        p = _params(address(0), payment);
        id = _post(p);
        _claim(p, who);
        _submit(id, who);
        _accept(p);
    }

    function _status(bytes32 id) internal view returns (ITaskMarket.Status) {
        return market.taskState(id).status;
    }
}
