// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {AgentRegistry} from "../../src/AgentRegistry.sol";
import {IAgentRegistry} from "../../src/interfaces/IAgentRegistry.sol";

contract AgentRegistryTest is Test {
    AgentRegistry internal reg;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    bytes32 internal constant KEY_A = bytes32(uint256(0xa11ce));
    bytes32 internal constant KEY_B = bytes32(uint256(0xb0b));
    bytes internal sig = new bytes(64);

    function setUp() public {
        reg = new AgentRegistry();
    }

    function test_register_bindsBothWays() public {
        vm.expectEmit(address(reg));
        emit IAgentRegistry.AgentRegistered(alice, KEY_A, bytes32("m"), sig);
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        assertEq(reg.agentKeyOf(alice), KEY_A);
        assertEq(reg.accountOf(KEY_A), alice);
        assertEq(reg.agentOf(alice).manifestHash, bytes32("m"));
        assertTrue(reg.isRegistered(alice));
    }

    function test_register_revertsWhenZeroKey() public {
        vm.expectRevert(IAgentRegistry.AgentRegistryZeroKey.selector);
        vm.prank(alice);
        reg.register(bytes32(0), bytes32("m"), sig);
    }

    function test_register_revertsWhenBadSignatureLength() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentRegistryBadSignatureLength.selector, 63)
        );
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), new bytes(63));
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        vm.startPrank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentRegistryAlreadyRegistered.selector, alice)
        );
        reg.register(KEY_B, bytes32("m"), sig);
        vm.stopPrank();
    }

    function test_register_revertsWhenKeyTaken() public {
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentRegistryKeyTaken.selector, KEY_A, alice)
        );
        vm.prank(bob);
        reg.register(KEY_A, bytes32("m"), sig);
    }

    function test_update_rotatesKeyAndFreesOldOne() public {
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        vm.prank(alice);
        reg.update(KEY_B, bytes32("m2"), sig);
        assertEq(reg.agentKeyOf(alice), KEY_B);
        assertEq(reg.accountOf(KEY_A), address(0));
        assertEq(reg.accountOf(KEY_B), alice);
        vm.prank(bob);
        reg.register(KEY_A, bytes32("m"), sig);
        assertEq(reg.accountOf(KEY_A), bob);
    }

    function test_update_sameKeyNewManifest() public {
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        vm.prank(alice);
        reg.update(KEY_A, bytes32("m2"), sig);
        assertEq(reg.accountOf(KEY_A), alice);
        assertEq(reg.agentOf(alice).manifestHash, bytes32("m2"));
    }

    function test_update_revertsWhenNotRegistered() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentRegistryNotRegistered.selector, alice)
        );
        vm.prank(alice);
        reg.update(KEY_A, bytes32("m"), sig);
    }

    function test_update_revertsWhenKeyTaken() public {
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        vm.prank(bob);
        reg.register(KEY_B, bytes32("m"), sig);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentRegistryKeyTaken.selector, KEY_A, alice)
        );
        vm.prank(bob);
        reg.update(KEY_A, bytes32("m"), sig);
    }

    function test_deregister_releasesKey() public {
        vm.prank(alice);
        reg.register(KEY_A, bytes32("m"), sig);
        vm.prank(alice);
        reg.deregister();
        assertFalse(reg.isRegistered(alice));
        assertEq(reg.accountOf(KEY_A), address(0));
        vm.expectRevert(
            abi.encodeWithSelector(IAgentRegistry.AgentRegistryNotRegistered.selector, alice)
        );
        vm.prank(alice);
        reg.deregister();
    }

    function test_bindingMessage_layout() public view {
        bytes memory m = reg.bindingMessage(alice);
        assertEq(m.length, 92);
        assertEq(m, abi.encodePacked("AOS-AGENT-BINDING-v1", block.chainid, address(reg), alice));
    }
}
