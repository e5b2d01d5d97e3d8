// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Script, console} from "forge-std/Script.sol";

import {AgentRegistry} from "../contracts/src/AgentRegistry.sol";
import {DisputeCourt} from "../contracts/src/DisputeCourt.sol";
import {KarmaRegistry} from "../contracts/src/KarmaRegistry.sol";
import {PrevrandaoRandomness} from "../contracts/src/PrevrandaoRandomness.sol";
import {TaskMarket} from "../contracts/src/TaskMarket.sol";
import {IDisputeCourt} from "../contracts/src/interfaces/IDisputeCourt.sol";

/// @notice Deploys and wires AgentRegistry, KarmaRegistry, PrevrandaoRandomness, DisputeCourt
///         and TaskMarket, then writes the deployments JSON the Rust side reads:
///         `{"chainId", "startBlock", "deployer", "agentRegistry", "karmaRegistry",
///         "randomness", "disputeCourt", "taskMarket"}`.
///
/// Usage: `forge script script/Deploy.s.sol --rpc-url $RPC --broadcast --private-key $KEY`
/// Environment (all optional; defaults suit a local devnet):
///   AOS_DEPLOYMENTS_OUT   output path              (deployments/<chainId>.json)
///   AOS_OWNER             fee/treasury owner       (the deployer)
///   AOS_KARMA_HALF_LIFE   decay half-life, seconds (2592000 = 30 days)
///   AOS_COURT_MIN_STAKE   juror stake per seat, wei (0.1 ether)
///   AOS_COURT_WEIGHT_CAP  stake counted for draw weight, wei (1 ether)
///   AOS_COURT_KARMA_FLOOR juror accuracy floor, WAD (0.1e18: about one accepted task)
///   AOS_COURT_FEE         arbitration fee per juror, wei (0.001 ether)
///   AOS_COURT_PERIOD      draw/commit/reveal/appeal period, seconds (120)
///   AOS_RANDOMNESS_DELAY  blocks between dispute and draw seed (1)
contract Deploy is Script {
    /// White paper §5.3: α = 0.1.
    uint256 internal constant ALPHA = 0.1e18;
    /// §6.4: karma flows up the delegation chain halved per level.
    uint256 internal constant ATTENUATION = 0.5e18;

    function run() external {
        address deployer = msg.sender;
        address owner = vm.envOr("AOS_OWNER", deployer);
        uint256 startBlock = block.number;
        uint32 period = uint32(vm.envOr("AOS_COURT_PERIOD", uint256(120)));
        IDisputeCourt.CourtParams memory cp = IDisputeCourt.CourtParams({
            minStake: uint88(vm.envOr("AOS_COURT_MIN_STAKE", uint256(0.1 ether))),
            weightCap: uint88(vm.envOr("AOS_COURT_WEIGHT_CAP", uint256(1 ether))),
            karmaFloor: uint64(vm.envOr("AOS_COURT_KARMA_FLOOR", uint256(0.1e18))),
            feePerJuror: uint128(vm.envOr("AOS_COURT_FEE", uint256(0.001 ether))),
            alphaBps: 1000,
            minJurors: 3,
            maxRounds: 3,
            drawPeriod: period,
            commitPeriod: period,
            revealPeriod: period,
            appealPeriod: period,
            leaveDelay: 1 days
        });

        vm.startBroadcast();
        AgentRegistry registry = new AgentRegistry();
        KarmaRegistry karma = new KarmaRegistry(
            ALPHA, vm.envOr("AOS_KARMA_HALF_LIFE", uint256(30 days)), ATTENUATION
        );
        PrevrandaoRandomness rng =
            new PrevrandaoRandomness(vm.envOr("AOS_RANDOMNESS_DELAY", uint256(1)));
        DisputeCourt court = new DisputeCourt(owner, karma, registry, rng, address(0), cp);
        TaskMarket market = new TaskMarket(owner, registry, karma, court);
        karma.setWriters(address(market), address(court));
        vm.stopBroadcast();

        string memory o = "deployments";
        vm.serializeUint(o, "chainId", block.chainid);
        vm.serializeUint(o, "startBlock", startBlock);
        vm.serializeAddress(o, "deployer", deployer);
        vm.serializeAddress(o, "owner", owner);
        vm.serializeAddress(o, "agentRegistry", address(registry));
        vm.serializeAddress(o, "karmaRegistry", address(karma));
        vm.serializeAddress(o, "randomness", address(rng));
        vm.serializeAddress(o, "disputeCourt", address(court));
        string memory json = vm.serializeAddress(o, "taskMarket", address(market));
        string memory defaultDir = string.concat(vm.projectRoot(), "/deployments");
        string memory out = vm.envOr(
            "AOS_DEPLOYMENTS_OUT",
            string.concat(defaultDir, "/", vm.toString(block.chainid), ".json")
        );
        if (!vm.envExists("AOS_DEPLOYMENTS_OUT")) vm.createDir(defaultDir, true);
        vm.writeJson(json, out);
        console.log("deployments written to", out);
        console.log("TaskMarket   ", address(market));
        console.log("DisputeCourt ", address(court));
    }
}
