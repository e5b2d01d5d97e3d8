//! Agent identity: an Ed25519 key pair (white paper §3.1 "Ed25519 cryptographic identity
//! (public key = agent identity)") and the registry binding signature (DESIGN.md
//! "Identity").

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_core::OsRng;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// Errors from identity parsing, signing and verification.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    /// The text is not valid base58 (Bitcoin alphabet).
    #[error("invalid base58: {0}")]
    Base58(String),
    /// The decoded bytes have the wrong length.
    #[error("expected {expected} bytes, got {got}")]
    Length {
        /// Length required.
        expected: usize,
        /// Length found.
        got: usize,
    },
    /// The 32 bytes are not a valid compressed Edwards point, or the key is of small order
    /// (a "weak" key that would let signatures verify for many messages).
    #[error("invalid or weak Ed25519 public key")]
    InvalidPublicKey,
    /// The signature does not verify for this key and message.
    #[error("Ed25519 signature does not verify")]
    BadSignature,
}

/// An agent's identity: its 32-byte Ed25519 public key (RFC 8032 §5.1.5 encoding).
///
/// Displayed, parsed and serialised (serde) as a base58 string (Bitcoin alphabet), e.g.
/// `7MpX2xBvMvRDjXejdTxThat8AwWM1t2nbMFriEAW99uW` (white paper §4.3, §5.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId([u8; 32]);

impl AgentId {
    /// Wraps 32 raw public-key bytes. The point is validated only when used to verify.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 raw public-key bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Decodes the key as an Ed25519 verifying key.
    ///
    /// # Errors
    /// [`IdentityError::InvalidPublicKey`] if the bytes are not a valid point or the point
    /// has small order.
    pub fn verifying_key(&self) -> Result<VerifyingKey, IdentityError> {
        let vk = VerifyingKey::from_bytes(&self.0).map_err(|_| IdentityError::InvalidPublicKey)?;
        if vk.is_weak() {
            return Err(IdentityError::InvalidPublicKey);
        }
        Ok(vk)
    }

    /// Verifies `sig` over `msg` with RFC 8032 Ed25519 (cofactorless equation, canonical
    /// `S` required); weak (small-order) keys are refused by [`AgentId::verifying_key`],
    /// which is what makes the non-strict equation safe against key-substitution tricks.
    ///
    /// # Errors
    /// [`IdentityError::InvalidPublicKey`] or [`IdentityError::BadSignature`].
    pub fn verify(&self, msg: &[u8], sig: &AgentSignature) -> Result<(), IdentityError> {
        verify_with_key(&self.verifying_key()?, msg, sig)
    }
}

/// Verifies `sig` over `msg` with an already decoded key (callers cache decoded keys to
/// skip point decompression; the key must come from [`AgentId::verifying_key`] so weak
/// keys are excluded).
///
/// # Errors
/// [`IdentityError::BadSignature`].
pub fn verify_with_key(
    key: &VerifyingKey,
    msg: &[u8],
    sig: &AgentSignature,
) -> Result<(), IdentityError> {
    use ed25519_dalek::Verifier as _;
    key.verify(msg, &sig.to_dalek())
        .map_err(|_| IdentityError::BadSignature)
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(&self.0).into_string())
    }
}

impl fmt::Debug for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgentId({self})")
    }
}

impl FromStr for AgentId {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        decode_base58_fixed::<32>(s).map(Self)
    }
}

fn decode_base58_fixed<const N: usize>(s: &str) -> Result<[u8; N], IdentityError> {
    // A base58 string of N bytes is at most ~1.37 N characters; refuse long input early.
    if s.len() > N * 2 {
        return Err(IdentityError::Length {
            expected: N,
            got: s.len(),
        });
    }
    let v = bs58::decode(s)
        .into_vec()
        .map_err(|e| IdentityError::Base58(e.to_string()))?;
    let got = v.len();
    <[u8; N]>::try_from(v).map_err(|_| IdentityError::Length { expected: N, got })
}

impl Serialize for AgentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AgentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for AgentId {
    fn schema_name() -> Cow<'static, str> {
        "AgentId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "Ed25519 public key (32 bytes), base58 (Bitcoin alphabet)",
            "pattern": "^[1-9A-HJ-NP-Za-km-z]{32,44}$"
        })
    }
}

/// A 64-byte Ed25519 signature (RFC 8032 §5.1.6: `R || S`).
///
/// Serialised (serde, Display, FromStr) as base58, like [`AgentId`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgentSignature(pub [u8; 64]);

impl AgentSignature {
    /// The 64 raw bytes.
    pub const fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    pub(crate) fn to_dalek(self) -> ed25519_dalek::Signature {
        ed25519_dalek::Signature::from_bytes(&self.0)
    }
}

impl fmt::Display for AgentSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(&self.0).into_string())
    }
}

impl fmt::Debug for AgentSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgentSignature({self})")
    }
}

impl FromStr for AgentSignature {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        decode_base58_fixed::<64>(s).map(Self)
    }
}

impl Serialize for AgentSignature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AgentSignature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for AgentSignature {
    fn schema_name() -> Cow<'static, str> {
        "AgentSignature".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "Ed25519 signature (64 bytes, R || S), base58 (Bitcoin alphabet)",
            "pattern": "^[1-9A-HJ-NP-Za-km-z]{64,88}$"
        })
    }
}

/// An agent's secret Ed25519 signing key. The secret is zeroised on drop and never printed.
#[derive(Clone)]
pub struct AgentKey {
    signing: SigningKey,
}

impl AgentKey {
    /// Generates a fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self {
            signing: SigningKey::generate(&mut OsRng),
        }
    }

    /// Builds a key from its 32-byte RFC 8032 secret seed.
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// The 32-byte secret seed, in a buffer that is zeroised when dropped.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// This key's public identity.
    pub fn agent_id(&self) -> AgentId {
        AgentId(self.signing.verifying_key().to_bytes())
    }

    /// Signs `msg` with Ed25519 (RFC 8032 §5.1.6).
    pub fn sign(&self, msg: &[u8]) -> AgentSignature {
        AgentSignature(self.signing.sign(msg).to_bytes())
    }
}

impl fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgentKey({}, secret: <redacted>)", self.agent_id())
    }
}

/// ASCII tag that starts a registry binding message (20 bytes).
pub const BINDING_TAG: &[u8; 20] = b"AOS-AGENT-BINDING-v1";

/// Length of [`binding_message`] in bytes: 20 (tag) + 32 (chain id) + 20 + 20.
pub const BINDING_MESSAGE_LEN: usize = 92;

/// The message an agent's Ed25519 key signs to bind itself to an Ethereum account in the
/// `AgentRegistry` (DESIGN.md "Identity").
///
/// Equals Solidity's `abi.encodePacked("AOS-AGENT-BINDING-v1", uint256(chainId),
/// address(registry), address(account))`: the 20 ASCII tag bytes, `chain_id` as a 32-byte
/// big-endian integer, then the 20-byte registry address and the 20-byte account address
/// (92 bytes in all).
pub fn binding_message(chain_id: u64, registry: [u8; 20], account: [u8; 20]) -> Vec<u8> {
    let mut m = Vec::with_capacity(BINDING_MESSAGE_LEN);
    m.extend_from_slice(BINDING_TAG);
    m.extend_from_slice(&[0u8; 24]);
    m.extend_from_slice(&chain_id.to_be_bytes());
    m.extend_from_slice(&registry);
    m.extend_from_slice(&account);
    m
}

/// Signs the registry binding for (`chain_id`, `registry`, `account`) with `key`.
pub fn sign_binding(
    key: &AgentKey,
    chain_id: u64,
    registry: [u8; 20],
    account: [u8; 20],
) -> AgentSignature {
    key.sign(&binding_message(chain_id, registry, account))
}

/// Verifies a registry binding signature (the 64 bytes `AgentRegistry` stores and emits; the
/// contract does not check it, off-chain verifiers do).
///
/// # Errors
/// [`IdentityError::InvalidPublicKey`] or [`IdentityError::BadSignature`].
pub fn verify_binding(
    agent: &AgentId,
    chain_id: u64,
    registry: [u8; 20],
    account: [u8; 20],
    sig: &AgentSignature,
) -> Result<(), IdentityError> {
    agent.verify(&binding_message(chain_id, registry, account), sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_round_trip_and_serde() {
        let k = AgentKey::generate();
        let id = k.agent_id();
        let s = id.to_string();
        assert_eq!(s.parse::<AgentId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<AgentId>(&json).unwrap(), id);
        assert!("0OIl".parse::<AgentId>().is_err());
        assert!(matches!(
            "2g".parse::<AgentId>(),
            Err(IdentityError::Length { .. })
        ));
    }

    #[test]
    fn binding_layout_matches_abi_encode_packed() {
        let m = binding_message(31337, [0x11; 20], [0x22; 20]);
        assert_eq!(m.len(), BINDING_MESSAGE_LEN);
        assert_eq!(&m[..20], b"AOS-AGENT-BINDING-v1");
        assert_eq!(&m[20..50], &[0u8; 30]);
        assert_eq!(&m[50..52], &[0x7a, 0x69]);
        assert_eq!(&m[52..72], &[0x11; 20]);
        assert_eq!(&m[72..], &[0x22; 20]);
    }

    #[test]
    fn binding_sign_verify() {
        let k = AgentKey::generate();
        let sig = sign_binding(&k, 1, [1; 20], [2; 20]);
        verify_binding(&k.agent_id(), 1, [1; 20], [2; 20], &sig).unwrap();
        assert_eq!(
            verify_binding(&k.agent_id(), 2, [1; 20], [2; 20], &sig),
            Err(IdentityError::BadSignature)
        );
    }

    #[test]
    fn debug_redacts_secret() {
        let k = AgentKey::from_secret_bytes(&[7; 32]);
        let d = format!("{k:?}");
        assert!(d.contains("redacted"));
        assert!(!d.contains("0707"));
    }
}
