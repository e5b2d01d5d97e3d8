//! Detached signatures on messages (task specs, delegations, attestations, delegation
//! hops).
//!
//! # Signed bytes
//!
//! `DOMAIN` (ASCII, e.g. `"aos/task-spec/v1"`) || `0x00` || deterministic CBOR (RFC 8949
//! §4.2.1, see [`crate::cbor::to_canonical_cbor`]) of the message's serde map **without**
//! its `signature` entry. The domain tags are disjoint from the envelope prefix
//! (`"AOS-ENVELOPE-v1"`) and the registry binding tag (`"AOS-AGENT-BINDING-v1"`), so no
//! signature can be replayed across kinds.

use ciborium::Value;
use serde::Serialize;

use crate::cbor::{CborError, value_to_canonical_cbor};
use crate::identity::{AgentId, AgentKey, AgentSignature, IdentityError};

/// Errors from signing or verifying a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    /// The message has no signature.
    #[error("message is not signed")]
    Missing,
    /// The key does not belong to the identity the message names as its signer.
    #[error("signing key {key} is not the message's signer {signer}")]
    WrongSigner {
        /// Identity of the key used.
        key: AgentId,
        /// Identity the message names.
        signer: AgentId,
    },
    /// The message could not be encoded canonically.
    #[error("canonical encoding failed: {0}")]
    Encoding(#[from] CborError),
    /// The message did not serialise to a map.
    #[error("message does not serialise to a map")]
    NotAMap,
    /// Bad key or signature.
    #[error(transparent)]
    Signature(#[from] IdentityError),
}

/// A message carrying a detached Ed25519 signature by one of its own fields' identity.
pub trait SignedMessage: Serialize {
    /// Domain tag prefixed to the signed bytes.
    const DOMAIN: &'static str;

    /// The identity that must sign.
    fn signer(&self) -> &AgentId;
    /// The signature, if any.
    fn signature(&self) -> Option<&AgentSignature>;
    /// Replaces the signature.
    fn set_signature(&mut self, sig: Option<AgentSignature>);

    /// The bytes the signature covers (module docs).
    ///
    /// # Errors
    /// [`SignError::Encoding`], [`SignError::NotAMap`].
    fn signing_bytes(&self) -> Result<Vec<u8>, SignError> {
        let mut v = Value::serialized(self).map_err(|e| CborError::Serde(e.to_string()))?;
        match &mut v {
            Value::Map(entries) => {
                entries.retain(|(k, _)| k.as_text() != Some("signature"));
            }
            _ => return Err(SignError::NotAMap),
        }
        let body = value_to_canonical_cbor(v)?;
        let mut out = Vec::with_capacity(Self::DOMAIN.len() + 1 + body.len());
        out.extend_from_slice(Self::DOMAIN.as_bytes());
        out.push(0);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Signs in place with `key`, which must be the message's signer.
    ///
    /// # Errors
    /// [`SignError::WrongSigner`], [`SignError::Encoding`].
    fn sign_with(&mut self, key: &AgentKey) -> Result<(), SignError> {
        let id = key.agent_id();
        if id != *self.signer() {
            return Err(SignError::WrongSigner {
                key: id,
                signer: *self.signer(),
            });
        }
        let sig = key.sign(&self.signing_bytes()?);
        self.set_signature(Some(sig));
        Ok(())
    }

    /// Checks the signature against the signer.
    ///
    /// # Errors
    /// [`SignError::Missing`], [`SignError::Signature`], [`SignError::Encoding`].
    fn verify_signature(&self) -> Result<(), SignError> {
        let sig = self.signature().ok_or(SignError::Missing)?;
        self.signer().verify(&self.signing_bytes()?, sig)?;
        Ok(())
    }
}
