// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test, Vm} from "forge-std/Test.sol";
import {KarmaRegistry} from "../../src/KarmaRegistry.sol";
import {IKarmaRegistry} from "../../src/interfaces/IKarmaRegistry.sol";

contract KarmaRegistryTest is Test {
    KarmaRegistry internal k;
    address internal market = makeAddr("market");
    address internal court = makeAddr("court");
    address internal agent = makeAddr("agent");
    bytes32 internal constant D = "code_review";

    function setUp() public {
        vm.warp(1_800_000_000);
        k = new KarmaRegistry(0.1e18, 30 days, 0.5e18);
        k.setWriters(market, court);
    }

    function test_constructor_revertsWhenBadParameter() public {
        vm.expectRevert(IKarmaRegistry.KarmaRegistryBadParameter.selector);
        new KarmaRegistry(1e18 + 1, 0, 0);
        vm.expectRevert(IKarmaRegistry.KarmaRegistryBadParameter.selector);
        new KarmaRegistry(0, 0, 1e18 + 1);
    }

    function test_setWriters_onlyOnce() public {
        vm.expectRevert(IKarmaRegistry.KarmaRegistryWritersLocked.selector);
        k.setWriters(address(1), address(2));
        KarmaRegistry k2 = new KarmaRegistry(0.1e18, 0, 0.5e18);
        vm.expectRevert(IKarmaRegistry.KarmaRegistryWritersLocked.selector);
        vm.prank(agent);
        k2.setWriters(agent, agent);
        (address m, address c) = k.writers();
        assertEq(m, market);
        assertEq(c, court);
    }

    function test_record_revertsWhenNotWriter() public {
        vm.expectRevert(
            abi.encodeWithSelector(IKarmaRegistry.KarmaRegistryNotWriter.selector, agent)
        );
        vm.prank(agent);
        k.record(agent, D, IKarmaRegistry.Outcome.Accepted, 0, address(0), 0);
    }

    /// White paper §5.3: from 0, ten successes give 1 − 0.9^10 ≈ 0.6513.
    function test_record_emaFromZero() public {
        for (uint256 i; i < 10; ++i) {
            vm.prank(market);
            k.record(agent, D, IKarmaRegistry.Outcome.Accepted, 0, address(0), 1 ether);
        }
        (uint256 acc, uint256 comp) = k.scores(agent, D);
        assertEq(acc, 651321559900000000);
        assertEq(comp, 651321559900000000);
        assertEq(k.karmaOf(agent, D).tasks, 10);
        assertEq(k.earningsOf(agent, address(0)), 10 ether);
    }

    function test_record_outcomes() public {
        vm.startPrank(court);
        k.record(agent, D, IKarmaRegistry.Outcome.DisputeWon, 0, address(0), 0);
        k.record(agent, D, IKarmaRegistry.Outcome.DisputeLost, 0, address(0), 0);
        k.record(agent, D, IKarmaRegistry.Outcome.Failed, 0, address(0), 0);
        k.record(agent, D, IKarmaRegistry.Outcome.Refused, 0, address(0), 0);
        k.record(agent, D, IKarmaRegistry.Outcome.Absent, 0, address(0), 0);
        vm.stopPrank();
        IKarmaRegistry.Karma memory r = k.karmaOf(agent, D);
        // acc: 0.1 → 0.09 → 0.09 → 0.09 → 0.09
        assertEq(r.accuracy, 0.09e18);
        // comp: 0.1 → 0.19 → 0.171 → 0.2539 → 0.22851
        assertEq(r.completion, 0.22851e18);
        assertEq(r.tasks, 4, "juror outcomes do not count tasks");
        assertEq(r.disputesWon, 1);
        assertEq(r.disputesLost, 1);
    }

    function test_record_attenuatedForDelegators() public {
        vm.prank(market);
        k.record(agent, D, IKarmaRegistry.Outcome.Accepted, 2, address(0), 0);
        (uint256 acc,) = k.scores(agent, D);
        assertEq(acc, 0.025e18);
        assertEq(k.karmaOf(agent, D).tasks, 0);
    }

    function test_scores_decayOnRead() public {
        vm.prank(market);
        k.record(agent, D, IKarmaRegistry.Outcome.Accepted, 0, address(0), 0);
        vm.warp(block.timestamp + 30 days);
        (uint256 acc,) = k.scores(agent, D);
        assertEq(acc, 0.05e18, "one half-life halves");
        vm.warp(block.timestamp + 15 days);
        (acc,) = k.scores(agent, D);
        assertEq(acc, 0.0375e18, "half-way through the next: linear");
        // an update applies decay first, then the EMA
        vm.prank(market);
        k.record(agent, D, IKarmaRegistry.Outcome.Accepted, 0, address(0), 0);
        (acc,) = k.scores(agent, D);
        assertEq(acc, 0.0375e18 * 9 / 10 + 0.1e18);
    }

    function test_anchorEpochRoot_andVerifyLeaf() public {
        // two-leaf OpenZeppelin StandardMerkleTree: leaf = keccak(bytes.concat(keccak(abi.encode(dim, value))))
        bytes32 l1 =
            keccak256(bytes.concat(keccak256(abi.encode("reliability.uptime", uint256(0.99e18)))));
        bytes32 l2 =
            keccak256(bytes.concat(keccak256(abi.encode("skills.python", uint256(0.92e18)))));
        bytes32 root =
            l1 < l2 ? keccak256(abi.encodePacked(l1, l2)) : keccak256(abi.encodePacked(l2, l1));
        vm.prank(agent);
        k.anchorEpochRoot(7, root);
        assertEq(k.epochRoot(agent, 7), root);
        assertEq(k.lastEpoch(agent), 7);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = l2;
        assertTrue(k.verifyLeaf(agent, 7, l1, proof));
        proof[0] = l1;
        assertTrue(k.verifyLeaf(agent, 7, l2, proof));
        assertFalse(k.verifyLeaf(agent, 7, keccak256("forged"), proof));
        assertFalse(k.verifyLeaf(agent, 8, l2, proof), "no root for epoch 8");
    }

    function test_anchorEpochRoot_revertsWhenNotIncreasing() public {
        vm.startPrank(agent);
        k.anchorEpochRoot(3, bytes32("r"));
        vm.expectRevert(
            abi.encodeWithSelector(IKarmaRegistry.KarmaRegistryEpochNotIncreasing.selector, 3, 3)
        );
        k.anchorEpochRoot(3, bytes32("s"));
        vm.stopPrank();
    }

    function test_constructor_emitsKarmaParametersSet() public {
        vm.expectEmit();
        emit IKarmaRegistry.KarmaParametersSet(0.2e18, 7 days, 0.25e18);
        new KarmaRegistry(0.2e18, 7 days, 0.25e18);
    }

    /// The event carries the whole stored record, so a mirror never re-applies the rules.
    function test_record_emitsTheStoredRecord() public {
        vm.prank(court);
        k.record(agent, D, IKarmaRegistry.Outcome.DisputeWon, 0, address(0), 0);
        vm.warp(block.timestamp + 1 days);
        IKarmaRegistry.Karma memory want = IKarmaRegistry.Karma({
            accuracy: 0,
            completion: 0,
            updatedAt: uint40(block.timestamp),
            tasks: 2,
            disputesWon: 1,
            disputesLost: 1
        });
        // the scores after the update are what karmaOf reads in the same block
        vm.recordLogs();
        vm.prank(court);
        k.record(agent, D, IKarmaRegistry.Outcome.DisputeLost, 0, address(0), 0);
        IKarmaRegistry.Karma memory stored = k.karmaOf(agent, D);
        want.accuracy = stored.accuracy;
        want.completion = stored.completion;
        assertGt(stored.completion, 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[0], IKarmaRegistry.KarmaRecorded.selector);
        (IKarmaRegistry.Outcome o, uint8 level, IKarmaRegistry.Karma memory got) =
            abi.decode(logs[0].data, (IKarmaRegistry.Outcome, uint8, IKarmaRegistry.Karma));
        assertEq(uint8(o), uint8(IKarmaRegistry.Outcome.DisputeLost));
        assertEq(level, 0);
        assertEq(abi.encode(got), abi.encode(want));
    }
}
