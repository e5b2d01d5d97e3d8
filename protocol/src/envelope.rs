//! Signed envelopes: the one wrapper every off-chain message travels in (DESIGN.md
//! "Identity"; white paper §8.2 "All messages signed by sender's Ed25519 key").
//!
//! # Encoding
//!
//! Both encodings are deterministic CBOR (RFC 8949 §4.2.1): shortest-form heads, definite
//! lengths, no tags, no floats.
//!
//! **Wire form** — a CBOR array of 7 items, in this order:
//!
//! | # | field          | CBOR type                         |
//! |---|----------------|-----------------------------------|
//! | 0 | `domain`       | text string, 1..=64 bytes, printable ASCII |
//! | 1 | `chain_id`     | unsigned integer (u64)            |
//! | 2 | `sender`       | byte string, exactly 32 bytes     |
//! | 3 | `nonce`        | unsigned integer (u64)            |
//! | 4 | `timestamp_ms` | unsigned integer (u64), Unix ms   |
//! | 5 | `payload`      | byte string                       |
//! | 6 | `signature`    | byte string, exactly 64 bytes     |
//!
//! The whole envelope is at most [`MAX_ENVELOPE_BYTES`] unless a smaller limit is given.
//! The decoder rejects any other shape, any non-shortest head and any trailing byte, so
//! every envelope has exactly one accepted encoding.
//!
//! **Signed bytes** — the 15 ASCII bytes [`SIGNING_PREFIX`] (`"AOS-ENVELOPE-v1"`, a
//! domain-separation prefix so no other AOS signature can be mistaken for an envelope
//! signature) followed by a CBOR array of the first 6 items above (same encoding, header
//! `0x86`). The signature is Ed25519 (RFC 8032) by `sender` over those bytes.

use crate::cbor::{self, CborError, MAJOR_ARRAY, MAJOR_UINT, Reader, head_len};
use ed25519_dalek::VerifyingKey;

use crate::identity::{AgentId, AgentKey, AgentSignature, IdentityError, verify_with_key};

/// Domain-separation prefix of the signed bytes (15 ASCII bytes).
pub const SIGNING_PREFIX: &[u8; 15] = b"AOS-ENVELOPE-v1";
/// Default largest encoded envelope accepted, in bytes (1 MiB).
pub const MAX_ENVELOPE_BYTES: usize = 1 << 20;
/// Largest domain tag, in bytes.
pub const MAX_DOMAIN_LEN: usize = 64;

/// Well-known domain tags (`aos/<message>/v<version>`).
pub mod domains {
    /// A task announcement ([`crate::messages::TaskAnnouncement`]): the terms of a task
    /// posted on chain and, optionally, its spec. (The tag's wire text predates the type's
    /// name and stays for compatibility with running peers.)
    pub const TASK_ANNOUNCEMENT: &str = "aos/task-posted/v1";
    /// A human task ([`crate::messages::HumanTask`]).
    pub const HUMAN_TASK: &str = "aos/human-task/v1";
    /// A delegation ([`crate::messages::Delegation`]).
    pub const DELEGATION: &str = "aos/delegation/v1";
    /// A task result ([`crate::messages::TaskResult`]).
    pub const RESULT: &str = "aos/result/v1";
    /// A karma attestation ([`crate::messages::KarmaAttestation`]).
    pub const KARMA_ATTESTATION: &str = "aos/karma-attestation/v1";
    /// A plan ([`crate::messages::Plan`]).
    pub const PLAN: &str = "aos/plan/v1";
}

/// Errors from building, encoding, decoding or signature-checking an envelope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The encoded envelope is larger than the limit.
    #[error("envelope of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Encoded size in bytes.
        len: usize,
        /// Limit in bytes.
        max: usize,
    },
    /// The domain tag is empty, longer than [`MAX_DOMAIN_LEN`], or not printable ASCII.
    #[error("invalid domain tag")]
    InvalidDomain,
    /// The bytes are not a canonical envelope.
    #[error("malformed envelope: {0}")]
    Decode(#[from] CborError),
    /// The sender key is invalid or the signature does not verify.
    #[error("envelope signature: {0}")]
    Signature(#[from] IdentityError),
}

/// A signed envelope (field meanings in the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Domain tag naming the payload's type and version, e.g. `"aos/result/v1"`.
    pub domain: String,
    /// EIP-155 chain id of the deployment the message belongs to.
    pub chain_id: u64,
    /// The signer.
    pub sender: AgentId,
    /// Sender-chosen sequence number; a receiver accepts each (sender, nonce) once.
    pub nonce: u64,
    /// Sender's clock at signing, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The message bytes (usually a JSON or CBOR encoded [`crate::messages`] type).
    pub payload: Vec<u8>,
    /// Ed25519 signature by `sender` over [`Envelope::signing_bytes`].
    pub signature: AgentSignature,
}

fn check_domain(d: &str) -> Result<(), EnvelopeError> {
    let ok = !d.is_empty() && d.len() <= MAX_DOMAIN_LEN && d.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(EnvelopeError::InvalidDomain)
    }
}

/// Writes the 6 signed fields as a CBOR array with `header` items.
fn write_fields(out: &mut Vec<u8>, header: u64, e: &Envelope) {
    cbor::write_head(out, MAJOR_ARRAY, header);
    cbor::write_text(out, &e.domain);
    cbor::write_head(out, MAJOR_UINT, e.chain_id);
    cbor::write_bytes(out, e.sender.as_bytes());
    cbor::write_head(out, MAJOR_UINT, e.nonce);
    cbor::write_head(out, MAJOR_UINT, e.timestamp_ms);
    cbor::write_bytes(out, &e.payload);
}

impl Envelope {
    /// Builds and signs an envelope.
    ///
    /// # Errors
    /// [`EnvelopeError::InvalidDomain`].
    pub fn sign(
        key: &AgentKey,
        domain: &str,
        chain_id: u64,
        nonce: u64,
        timestamp_ms: u64,
        payload: Vec<u8>,
    ) -> Result<Self, EnvelopeError> {
        check_domain(domain)?;
        let mut env = Self {
            domain: domain.to_owned(),
            chain_id,
            sender: key.agent_id(),
            nonce,
            timestamp_ms,
            payload,
            signature: AgentSignature([0; 64]),
        };
        let mut buf = Vec::new();
        env.signing_bytes_into(&mut buf);
        env.signature = key.sign(&buf);
        Ok(env)
    }

    /// Appends the signed bytes (prefix + CBOR array of the 6 signed fields) to `out`.
    pub fn signing_bytes_into(&self, out: &mut Vec<u8>) {
        out.reserve(SIGNING_PREFIX.len() + self.fields_len());
        out.extend_from_slice(SIGNING_PREFIX);
        write_fields(out, 6, self);
    }

    /// The exact bytes the signature covers (module docs, "Signed bytes").
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.signing_bytes_into(&mut v);
        v
    }

    fn fields_len(&self) -> usize {
        1 + head_len(self.domain.len() as u64)
            + self.domain.len()
            + head_len(self.chain_id)
            + 2
            + 32
            + head_len(self.nonce)
            + head_len(self.timestamp_ms)
            + head_len(self.payload.len() as u64)
            + self.payload.len()
    }

    /// Checks the Ed25519 signature (RFC 8032; canonical `S`, weak sender keys refused).
    ///
    /// # Errors
    /// [`EnvelopeError::Signature`]; [`EnvelopeError::InvalidDomain`] for an envelope built
    /// by hand with a bad domain.
    pub fn verify_signature(&self) -> Result<(), EnvelopeError> {
        self.verify_signature_with_key(&self.sender.verifying_key()?)
    }

    /// Like [`Envelope::verify_signature`] with the sender's key already decoded (from
    /// [`AgentId::verifying_key`]), which saves the point decompression when the caller
    /// caches keys, as [`crate::Verifier`] does.
    ///
    /// # Errors
    /// As [`Envelope::verify_signature`]; a key that is not the sender's fails with
    /// [`IdentityError::BadSignature`].
    pub fn verify_signature_with_key(&self, key: &VerifyingKey) -> Result<(), EnvelopeError> {
        check_domain(&self.domain)?;
        if key.as_bytes() != self.sender.as_bytes() {
            return Err(EnvelopeError::Signature(IdentityError::BadSignature));
        }
        let mut msg = Vec::with_capacity(SIGNING_PREFIX.len() + self.fields_len());
        self.signing_bytes_into(&mut msg);
        verify_with_key(key, &msg, &self.signature)?;
        Ok(())
    }

    /// Size of [`Envelope::encode`]'s output in bytes.
    pub fn encoded_len(&self) -> usize {
        self.fields_len() + 2 + 64
    }

    /// Encodes the wire form (module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Appends the wire form to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        write_fields(out, 7, self);
        cbor::write_bytes(out, &self.signature.0);
    }

    /// Decodes a wire-form envelope of at most [`MAX_ENVELOPE_BYTES`]. Does not check the
    /// signature.
    ///
    /// # Errors
    /// [`EnvelopeError::TooLarge`], [`EnvelopeError::Decode`],
    /// [`EnvelopeError::InvalidDomain`].
    pub fn decode(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        Self::decode_with_limit(bytes, MAX_ENVELOPE_BYTES)
    }

    /// Like [`Envelope::decode`] with a caller-chosen size limit in bytes.
    ///
    /// # Errors
    /// As [`Envelope::decode`].
    pub fn decode_with_limit(bytes: &[u8], max_len: usize) -> Result<Self, EnvelopeError> {
        if bytes.len() > max_len {
            return Err(EnvelopeError::TooLarge {
                len: bytes.len(),
                max: max_len,
            });
        }
        let mut r = Reader::new(bytes);
        r.array(7)?;
        let domain = r.text(MAX_DOMAIN_LEN)?;
        check_domain(domain)?;
        let chain_id = r.uint()?;
        let sender = AgentId::from_bytes(r.fixed_bytes::<32>()?);
        let nonce = r.uint()?;
        let timestamp_ms = r.uint()?;
        let payload = r.bytes(max_len)?.to_vec();
        let signature = AgentSignature(r.fixed_bytes::<64>()?);
        r.finish()?;
        Ok(Self {
            domain: domain.to_owned(),
            chain_id,
            sender,
            nonce,
            timestamp_ms,
            payload,
            signature,
        })
    }
}

/// Verifies many envelopes' signatures at once with Ed25519 batch verification
/// (`ed25519_dalek::verify_batch`), then, only if the batch fails, one by one to find the
/// bad ones. Returns one result per envelope, in order.
///
/// A batch that passes is accepted as a whole. Senders with weak (small-order) keys and
/// bad domains are rejected up front, before the batch; the fallback uses the same
/// equation as [`Envelope::verify_signature`].
pub fn verify_signatures_batch(envelopes: &[Envelope]) -> Vec<Result<(), EnvelopeError>> {
    use ed25519_dalek::Verifier as _;
    let mut results: Vec<Result<(), EnvelopeError>> = Vec::with_capacity(envelopes.len());
    let mut msgs = Vec::with_capacity(envelopes.len());
    let mut sigs = Vec::with_capacity(envelopes.len());
    let mut keys = Vec::with_capacity(envelopes.len());
    let mut idx = Vec::with_capacity(envelopes.len());
    for (i, e) in envelopes.iter().enumerate() {
        let pre = check_domain(&e.domain).and_then(|()| Ok(e.sender.verifying_key()?));
        match pre {
            Ok(vk) => {
                msgs.push(e.signing_bytes());
                sigs.push(e.signature.to_dalek());
                keys.push(vk);
                idx.push(i);
                results.push(Ok(()));
            }
            Err(err) => results.push(Err(err)),
        }
    }
    if idx.is_empty() {
        return results;
    }
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    if ed25519_dalek::verify_batch(&refs, &sigs, &keys).is_err() {
        for (j, &i) in idx.iter().enumerate() {
            if keys[j].verify(&msgs[j], &sigs[j]).is_err() {
                results[i] = Err(EnvelopeError::Signature(IdentityError::BadSignature));
            }
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_layout_is_documented_layout() {
        let key = AgentKey::from_secret_bytes(&[1; 32]);
        let e = Envelope::sign(&key, "aos/x/v1", 1, 2, 3, vec![0xaa]).unwrap();
        let w = e.encode();
        assert_eq!(w.len(), e.encoded_len());
        assert_eq!(w[0], 0x87);
        assert_eq!(&w[1..10], b"\x68aos/x/v1");
        assert_eq!(&w[10..13], &[0x01, 0x58, 0x20]);
        let s = e.signing_bytes();
        assert_eq!(&s[..15], SIGNING_PREFIX);
        assert_eq!(s[15], 0x86);
        assert_eq!(&s[16..], &w[1..w.len() - 66]);
        assert_eq!(Envelope::decode(&w).unwrap(), e);
        e.verify_signature().unwrap();
    }

    #[test]
    fn batch_finds_the_bad_one() {
        let key = AgentKey::generate();
        let mut envs: Vec<_> = (0..8)
            .map(|n| Envelope::sign(&key, domains::RESULT, 1, n, 0, vec![n as u8]).unwrap())
            .collect();
        assert!(verify_signatures_batch(&envs).iter().all(Result::is_ok));
        envs[5].payload.push(1);
        let r = verify_signatures_batch(&envs);
        assert!(r[5].is_err());
        assert_eq!(r.iter().filter(|r| r.is_err()).count(), 1);
    }

    #[test]
    fn too_large_and_trailing_rejected() {
        let key = AgentKey::generate();
        let e = Envelope::sign(&key, "d", 1, 1, 1, vec![0; 100]).unwrap();
        let mut w = e.encode();
        assert!(matches!(
            Envelope::decode_with_limit(&w, 50),
            Err(EnvelopeError::TooLarge { .. })
        ));
        w.push(0);
        assert!(matches!(
            Envelope::decode(&w),
            Err(EnvelopeError::Decode(CborError::TrailingBytes(1)))
        ));
    }
}
