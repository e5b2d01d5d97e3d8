//! One file per subcommand group, plus the argument parsers they share.

pub(crate) mod ask;
pub(crate) mod blob;
pub(crate) mod demo;
pub(crate) mod devnet;
pub(crate) mod dispute;
pub(crate) mod juror;
pub(crate) mod karma;
pub(crate) mod task;
pub(crate) mod worker;

use alloy::primitives::{Address, B256};

/// A 32-byte id: `0x` + 64 hex digits.
pub(crate) fn parse_b256(s: &str) -> Result<B256, String> {
    s.trim()
        .parse::<B256>()
        .map_err(|_| format!("{s:?} is not a 32-byte id (0x followed by 64 hex digits)"))
}

/// An Ethereum address: `0x` + 40 hex digits.
pub(crate) fn parse_address(s: &str) -> Result<Address, String> {
    s.trim()
        .parse::<Address>()
        .map_err(|_| format!("{s:?} is not an address (0x followed by 40 hex digits)"))
}
