//! The indexer's error type.

use crate::{rpc::RpcError, store::StoreError};

/// Why the indexer stopped.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The RPC failed after all retries.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain reorganised deeper than the kept window of block hashes: continuing would
    /// silently diverge from the chain, so the indexer stops.
    #[error(
        "reorg deeper than the window of {window} blocks: stored block {number} ({stored_hash}) \
         is no longer canonical and no common ancestor was found down to block {oldest_checked}; \
         the mirror cannot be repaired in place — re-index into a fresh database, or run with a \
         larger --reorg-window"
    )]
    DeepReorg {
        /// Window size in blocks.
        window: u64,
        /// The cursor block that is no longer canonical.
        number: u64,
        /// Its stored hash.
        stored_hash: String,
        /// The oldest stored block compared.
        oldest_checked: u64,
    },
    /// The RPC serves another chain than the deployments file names.
    #[error(
        "chain id mismatch: the RPC serves chain {rpc}, the deployments file says {deployments}"
    )]
    ChainIdMismatch {
        /// From `eth_chainId`.
        rpc: u64,
        /// From the deployments JSON.
        deployments: u64,
    },
    /// The database already mirrors another chain.
    #[error("the database mirrors chain {stored}, not {requested}: use another database")]
    WrongDatabase {
        /// Chain id in the database's cursor.
        stored: u64,
        /// Chain id of this run.
        requested: u64,
    },
}

impl IndexerError {
    /// Whether retrying the same step later can succeed (RPC trouble), as opposed to a
    /// condition that needs an operator (deep reorg, wrong database, SQL failure).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Rpc(e) if e.is_retryable())
    }
}
