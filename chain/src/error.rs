//! Errors of calls to the AOS contracts.

use alloy::primitives::B256;

use crate::revert::Revert;

/// A call to the AOS contracts (or the node behind them) failed.
///
/// The crate's one chain error: a revert ([`ChainError::Reverted`], matched on its typed
/// [`Revert`]) or trouble reaching the node. Not to be confused with
/// `aos_protocol::DelegationError` (a delegation chain that breaks a rule).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The contract reverted with the decoded error (display: `reverted: TaskMarket…(…)`).
    #[error("reverted: {0}")]
    Reverted(Box<Revert>),
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
    /// A log scan failed.
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// A transaction was not mined within the time the caller allowed; it may still be.
    #[error("{0}: no receipt in time")]
    ReceiptTimeout(&'static str),
    /// A value from the chain does not fit the expected shape.
    #[error("unexpected value from the chain: {0}")]
    Malformed(String),
}

impl ChainError {
    /// Whether retrying the same call may succeed (transport trouble, not a revert).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Rpc(_) | Self::Receipt(_) | Self::ReceiptTimeout(_)
        ) || matches!(self, Self::Scan(e) if e.is_retryable())
            || matches!(self, Self::Contract(e) if matches!(**e, alloy::contract::Error::TransportError(_)) && e.as_revert_data().is_none())
    }

    /// The decoded revert, when this is one: match on its variants.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Self::Reverted(r) => Some(r),
            _ => None,
        }
    }

    /// The decoded revert as text (`TaskMarketWrongStatus(taskId: 0x…, status: Claimed)`),
    /// when this is one. Prefer [`ChainError::revert`] to decide on it.
    pub fn revert_reason(&self) -> Option<String> {
        self.revert().map(ToString::to_string)
    }
}

impl From<alloy::contract::Error> for ChainError {
    fn from(e: alloy::contract::Error) -> Self {
        match e.as_revert_data() {
            Some(data) => Self::Reverted(Box::new(Revert::decode(&data))),
            None => Self::Contract(Box::new(e)),
        }
    }
}

impl From<alloy::transports::TransportError> for ChainError {
    fn from(e: alloy::transports::TransportError) -> Self {
        match e.as_error_resp().and_then(|r| r.as_revert_data()) {
            Some(data) => Self::Reverted(Box::new(Revert::decode(&data))),
            None => Self::Rpc(Box::new(e)),
        }
    }
}

impl From<alloy::providers::PendingTransactionError> for ChainError {
    fn from(e: alloy::providers::PendingTransactionError) -> Self {
        Self::Receipt(Box::new(e))
    }
}
