//! Errors of chain calls.

use alloy::primitives::{B256, Bytes};

use crate::revert::decode_revert;

/// A chain call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The contract reverted; `reason` is the decoded custom error (or the raw data in hex).
    #[error("reverted: {reason}")]
    Reverted {
        /// e.g. `TaskMarketNotRegistered(account: 0x…)`.
        reason: String,
        /// Raw revert data.
        data: Bytes,
    },
    /// The RPC, transport or encoding failed (not a revert).
    #[error("contract call failed: {0}")]
    Contract(#[source] Box<alloy::contract::Error>),
    /// A provider request failed.
    #[error("RPC request failed: {0}")]
    Rpc(#[source] Box<alloy::transports::TransportError>),
    /// Waiting for the receipt failed.
    #[error("waiting for the receipt failed: {0}")]
    Receipt(#[source] Box<alloy::providers::PendingTransactionError>),
    /// The transaction was mined with status 0.
    #[error("transaction {0} was mined but failed (status 0)")]
    TxFailed(B256),
    /// An expected event was not in the receipt.
    #[error("event {0} missing from the receipt")]
    MissingEvent(&'static str),
    /// A value from the chain does not fit the expected shape.
    #[error("unexpected value from the chain: {0}")]
    Malformed(String),
}

impl ChainError {
    /// Whether retrying the same call may succeed (transport trouble, not a revert).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Rpc(_) | Self::Receipt(_))
            || matches!(self, Self::Contract(e) if matches!(**e, alloy::contract::Error::TransportError(_)) && e.as_revert_data().is_none())
    }

    /// The decoded revert, when this is one.
    pub fn revert_reason(&self) -> Option<&str> {
        match self {
            Self::Reverted { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl From<alloy::contract::Error> for ChainError {
    fn from(e: alloy::contract::Error) -> Self {
        match e.as_revert_data() {
            Some(data) => Self::Reverted {
                reason: decode_revert(&data)
                    .unwrap_or_else(|| format!("unknown error 0x{}", alloy::hex::encode(&data))),
                data,
            },
            None => Self::Contract(Box::new(e)),
        }
    }
}

impl From<alloy::transports::TransportError> for ChainError {
    fn from(e: alloy::transports::TransportError) -> Self {
        match e.as_error_resp().and_then(|r| r.as_revert_data()) {
            Some(data) => Self::Reverted {
                reason: decode_revert(&data)
                    .unwrap_or_else(|| format!("unknown error 0x{}", alloy::hex::encode(&data))),
                data,
            },
            None => Self::Rpc(Box::new(e)),
        }
    }
}

impl From<alloy::providers::PendingTransactionError> for ChainError {
    fn from(e: alloy::providers::PendingTransactionError) -> Self {
        Self::Receipt(Box::new(e))
    }
}
