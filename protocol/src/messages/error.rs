//! The messages module's error type.

use crate::cbor::CborError;
use crate::karma::RequirementError;
use crate::signing::SignError;

/// Errors from decoding, validating or signing a message.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MessageError {
    /// The input is larger than [`super::MAX_MESSAGE_BYTES`].
    #[error("message of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size in bytes.
        len: usize,
        /// Limit in bytes.
        max: usize,
    },
    /// The JSON does not match the type.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The CBOR does not match the type.
    #[error("invalid CBOR: {0}")]
    Cbor(#[from] CborError),
    /// A field breaks a rule.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Dotted field path.
        field: &'static str,
        /// The rule broken.
        reason: String,
    },
    /// A karma requirement is malformed.
    #[error(transparent)]
    Requirement(#[from] RequirementError),
    /// Signing or signature verification failed.
    #[error(transparent)]
    Signature(#[from] SignError),
}

impl MessageError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
