//! Shared pieces: the [`Message`] trait, money amounts and field checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::error::MessageError;
use crate::cbor;

/// Largest encoded message accepted by the decoders, in bytes (1 MiB).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Common behaviour of message types.
pub trait Message: Serialize + DeserializeOwned + JsonSchema + Sized {
    /// File stem of the checked-in JSON Schema (`protocol/schemas/<NAME>.json`).
    const NAME: &'static str;

    /// Checks the message's rules (per-type docs).
    ///
    /// # Errors
    /// [`MessageError::Invalid`] or [`MessageError::Requirement`].
    fn validate(&self) -> Result<(), MessageError>;

    /// Parses JSON (≤ [`MAX_MESSAGE_BYTES`]) and validates.
    ///
    /// # Errors
    /// [`MessageError::TooLarge`], [`MessageError::Json`], or a validation error.
    fn from_json(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(MessageError::TooLarge {
                len: bytes.len(),
                max: MAX_MESSAGE_BYTES,
            });
        }
        let m: Self =
            serde_json::from_slice(bytes).map_err(|e| MessageError::Json(e.to_string()))?;
        m.validate()?;
        Ok(m)
    }

    /// Serialises as compact JSON.
    ///
    /// # Errors
    /// [`MessageError::Json`] (only for non-finite floats, which validation forbids).
    fn to_json(&self) -> Result<Vec<u8>, MessageError> {
        serde_json::to_vec(self).map_err(|e| MessageError::Json(e.to_string()))
    }

    /// Parses CBOR (≤ [`MAX_MESSAGE_BYTES`]) and validates.
    ///
    /// # Errors
    /// [`MessageError::TooLarge`], [`MessageError::Cbor`], or a validation error.
    fn from_cbor(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(MessageError::TooLarge {
                len: bytes.len(),
                max: MAX_MESSAGE_BYTES,
            });
        }
        let m: Self = cbor::from_cbor(bytes, MAX_MESSAGE_BYTES)?;
        m.validate()?;
        Ok(m)
    }

    /// Deterministic CBOR (RFC 8949 §4.2.1).
    ///
    /// # Errors
    /// [`MessageError::Cbor`].
    fn to_cbor(&self) -> Result<Vec<u8>, MessageError> {
        Ok(cbor::to_canonical_cbor(self)?)
    }
}

/// An amount of money in display units of `currency` (white paper §6.2 `payment`, §4.3
/// `budget` use floats such as `0.05` ETH); on chain the escrow holds the exact integer
/// amount in the token's smallest unit, which is authoritative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount, finite and ≥ 0.
    pub amount: f64,
    /// Currency code, 1–16 characters `A-Z`, `0-9` (e.g. `"ETH"`, `"USD"`, `"USDC"`).
    pub currency: String,
}

impl Money {
    pub(crate) fn check(&self, field: &'static str) -> Result<(), MessageError> {
        check_amount(field, self.amount)?;
        check_currency(field, &self.currency)
    }
}

pub(crate) fn check_amount(field: &'static str, x: f64) -> Result<(), MessageError> {
    if !x.is_finite() || x < 0.0 {
        return Err(MessageError::invalid(
            field,
            "amount must be finite and ≥ 0",
        ));
    }
    Ok(())
}

pub(crate) fn check_currency(field: &'static str, c: &str) -> Result<(), MessageError> {
    let ok = (1..=16).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(MessageError::invalid(
            field,
            "currency must be 1-16 of A-Z0-9",
        ))
    }
}

/// Checks a string is non-empty (if `required`) and at most `max` bytes.
pub(crate) fn check_str(
    field: &'static str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), MessageError> {
    if required && s.trim().is_empty() {
        return Err(MessageError::invalid(field, "must not be empty"));
    }
    if s.len() > max {
        return Err(MessageError::invalid(
            field,
            format!("longer than {max} bytes"),
        ));
    }
    Ok(())
}

/// Checks a list length and each item.
pub(crate) fn check_list(
    field: &'static str,
    items: &[String],
    max_items: usize,
    max_len: usize,
) -> Result<(), MessageError> {
    if items.len() > max_items {
        return Err(MessageError::invalid(
            field,
            format!("more than {max_items} items"),
        ));
    }
    items
        .iter()
        .try_for_each(|s| check_str(field, s, max_len, true))
}

/// Short identifier limit (task ids, types, names), bytes.
pub(crate) const MAX_ID_LEN: usize = 128;
/// Free text limit (descriptions, prompts), bytes.
pub(crate) const MAX_TEXT_LEN: usize = 256 * 1024;
