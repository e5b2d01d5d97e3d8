// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice An account (contract) that can act on the market but rejects ETH.
contract RevertingReceiver {
    function exec(address target, uint256 value, bytes calldata data)
        external
        payable
        returns (bytes memory)
    {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        revert("no ETH");
    }
}

/// @notice An account (contract) that burns all gas it is given when receiving ETH.
contract GasBurner {
    function exec(address target, uint256 value, bytes calldata data)
        external
        payable
        returns (bytes memory)
    {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        while (true) {}
    }
}
