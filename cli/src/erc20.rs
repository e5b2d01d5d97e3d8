//! The two ERC-20 calls `aos` needs before escrowing or staking a token (EIP-20).
#![allow(missing_docs, unreachable_pub)]

alloy::sol! {
    #[sol(rpc)]
    interface IERC20 {
        function approve(address spender, uint256 amount) external returns (bool);
        function allowance(address owner, address spender) external view returns (uint256);
    }
}
