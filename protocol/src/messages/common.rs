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

/// An exact amount of money (white paper §6.2 `payment`): an integer count of the
/// currency's smallest unit, as a decimal string, with the currency's `decimals`
/// (`{"amount": "10000000000000000", "currency": "ETH", "decimals": 18}` is 0.01 ETH;
/// `{"amount": "1500", "currency": "USD", "decimals": 2}` is $15.00). Never a float: the
/// white paper's examples write `0.05`, which no binary float holds exactly, and on chain
/// the escrow holds the integer amount, which is authoritative.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in the smallest unit (wei for ETH, cents for USD): 1–78 decimal digits
    /// (fits a `uint256`), no sign, no leading zeros.
    #[schemars(regex(pattern = r"^(0|[1-9][0-9]{0,77})$"))]
    pub amount: String,
    /// Currency code, 1–16 characters `A-Z`, `0-9` (e.g. `"ETH"`, `"USD"`, `"USDC"`).
    pub currency: String,
    /// Decimal places of one display unit (18 for ETH, 6 for USDC, 2 for USD), ≤ 77.
    pub decimals: u8,
}

impl Money {
    /// `units` of the smallest unit of `currency`, which has `decimals` decimal places.
    pub fn from_units(units: u128, currency: impl Into<String>, decimals: u8) -> Self {
        Self {
            amount: units.to_string(),
            currency: currency.into(),
            decimals,
        }
    }

    /// An amount of wei as ETH (18 decimals).
    pub fn eth_wei(wei: u128) -> Self {
        Self::from_units(wei, "ETH", 18)
    }

    /// The amount in the smallest unit.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] when `amount` is not digits or exceeds `u128`.
    pub fn units(&self) -> Result<u128, MessageError> {
        check_amount("amount", &self.amount)?;
        self.amount
            .parse()
            .map_err(|_| MessageError::invalid("amount", "exceeds 2^128 - 1 smallest units"))
    }

    pub(crate) fn check(&self, field: &'static str) -> Result<(), MessageError> {
        check_amount(field, &self.amount)?;
        if self.decimals > 77 {
            return Err(MessageError::invalid(field, "decimals must be ≤ 77"));
        }
        check_currency(field, &self.currency)
    }
}

/// `0.01 ETH`: the exact decimal, trailing zeros trimmed.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = usize::from(self.decimals);
        let digits = format!("{:0>width$}", self.amount, width = d + 1);
        let (int, frac) = digits.split_at(digits.len() - d);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            write!(f, "{int} {}", self.currency)
        } else {
            write!(f, "{int}.{frac} {}", self.currency)
        }
    }
}

pub(crate) fn check_amount(field: &'static str, x: &str) -> Result<(), MessageError> {
    let digits = !x.is_empty() && x.len() <= 78 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits || (x.len() > 1 && x.starts_with('0')) {
        return Err(MessageError::invalid(
            field,
            "amount must be an integer in the smallest unit: 1-78 decimal digits, no leading zeros",
        ));
    }
    Ok(())
}

/// Checks a non-money quantity given as a float (a budget in USD, a share): finite, ≥ 0.
pub(crate) fn check_nonneg(field: &'static str, x: f64) -> Result<(), MessageError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 12): `Money.amount` was an `f64`, so 0.1 + 0.2 ETH was not 0.3 ETH
    /// and 1 wei above 2^53 was lost. Amounts are exact integers of the smallest unit.
    #[test]
    fn money_is_exact_and_refuses_floats() {
        let big = Money::eth_wei((1u128 << 53) + 1);
        let back: Money = serde_json::from_str(&serde_json::to_string(&big).unwrap()).unwrap();
        assert_eq!(back.units().unwrap(), (1u128 << 53) + 1);
        let a = Money::eth_wei(100_000_000_000_000_000).units().unwrap();
        let b = Money::eth_wei(200_000_000_000_000_000).units().unwrap();
        assert_eq!(Money::eth_wei(a + b).to_string(), "0.3 ETH");
        assert_eq!(Money::from_units(1500, "USD", 2).to_string(), "15 USD");
        assert_eq!(Money::from_units(5, "USDC", 6).to_string(), "0.000005 USDC");
        assert_eq!(Money::eth_wei(0).to_string(), "0 ETH");
        // the float form of the white paper's examples is refused
        assert!(
            serde_json::from_str::<Money>(r#"{"amount": 0.05, "currency": "ETH", "decimals": 18}"#)
                .is_err()
        );
        for bad in ["", "-1", "0.5", "01", "1e18", &"9".repeat(79)] {
            let m = Money {
                amount: bad.into(),
                currency: "ETH".into(),
                decimals: 18,
            };
            assert!(m.check("payment").is_err(), "{bad:?} accepted");
        }
        let too_big = Money {
            amount: "9".repeat(40),
            currency: "ETH".into(),
            decimals: 18,
        };
        assert!(too_big.check("payment").is_ok() && too_big.units().is_err());
    }
}
