//! DAG nodes: content-addressed records that link children by [`ContentId`], like Git
//! objects (white paper §3.1; DESIGN.md "Content").
//!
//! # Canonical encoding
//!
//! A node is the deterministic CBOR (RFC 8949 §4.2.1) array `[kind, links, data]`:
//! `kind` a text string (1..=64 bytes), `links` an array of 32-byte byte strings (at most
//! [`MAX_LINKS`]), `data` a byte string. Its id is the BLAKE3 hash of that encoding. The
//! decoder accepts only this exact encoding, so one node has one id.

use serde::{Deserialize, Serialize};

use crate::cbor::{self, CborError, MAJOR_ARRAY, Reader};
use crate::content::ContentId;

/// Largest number of links in one node.
pub const MAX_LINKS: usize = 4096;
/// Largest `kind`, in bytes.
pub const MAX_KIND_LEN: usize = 64;
/// Default largest encoded node accepted by [`DagNode::decode`], in bytes (4 MiB).
pub const MAX_NODE_BYTES: usize = 4 << 20;

/// Errors from encoding or decoding a DAG node.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DagError {
    /// `kind` is empty or longer than [`MAX_KIND_LEN`].
    #[error("invalid node kind")]
    InvalidKind,
    /// More than [`MAX_LINKS`] links.
    #[error("too many links: {0}")]
    TooManyLinks(usize),
    /// The encoding is larger than the limit.
    #[error("encoded node of {len} bytes exceeds {max}")]
    TooLarge {
        /// Size in bytes.
        len: usize,
        /// Limit in bytes.
        max: usize,
    },
    /// The bytes are not a canonical node.
    #[error("malformed DAG node: {0}")]
    Decode(#[from] CborError),
}

/// A DAG node. JSON view (serde): `{"kind": "...", "links": ["0x…"], "data": "<hex>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DagNode {
    /// What the node holds, e.g. `"task-spec"`, `"result"`, `"delegation-chain"`, `"tree"`.
    pub kind: String,
    /// Children, by content id, in order.
    pub links: Vec<ContentId>,
    /// Inline data (hex in JSON).
    #[serde(with = "hex_bytes")]
    #[schemars(with = "String")]
    pub data: Vec<u8>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        hex::decode(s.as_ref()).map_err(serde::de::Error::custom)
    }
}

impl DagNode {
    /// A node after checking its limits.
    ///
    /// # Errors
    /// [`DagError::InvalidKind`], [`DagError::TooManyLinks`].
    pub fn new(kind: &str, links: Vec<ContentId>, data: Vec<u8>) -> Result<Self, DagError> {
        let n = Self {
            kind: kind.to_owned(),
            links,
            data,
        };
        n.check()?;
        Ok(n)
    }

    fn check(&self) -> Result<(), DagError> {
        if self.kind.is_empty() || self.kind.len() > MAX_KIND_LEN {
            return Err(DagError::InvalidKind);
        }
        if self.links.len() > MAX_LINKS {
            return Err(DagError::TooManyLinks(self.links.len()));
        }
        Ok(())
    }

    /// The canonical encoding (module docs).
    ///
    /// # Errors
    /// [`DagError::InvalidKind`], [`DagError::TooManyLinks`].
    pub fn encode(&self) -> Result<Vec<u8>, DagError> {
        self.check()?;
        let mut out =
            Vec::with_capacity(16 + self.kind.len() + 34 * self.links.len() + self.data.len());
        cbor::write_head(&mut out, MAJOR_ARRAY, 3);
        cbor::write_text(&mut out, &self.kind);
        cbor::write_head(&mut out, MAJOR_ARRAY, self.links.len() as u64);
        for l in &self.links {
            cbor::write_bytes(&mut out, l.as_bytes());
        }
        cbor::write_bytes(&mut out, &self.data);
        Ok(out)
    }

    /// The node's id: BLAKE3 of [`DagNode::encode`].
    ///
    /// # Errors
    /// As [`DagNode::encode`].
    pub fn id(&self) -> Result<ContentId, DagError> {
        Ok(ContentId::of(&self.encode()?))
    }

    /// Decodes the canonical encoding (at most [`MAX_NODE_BYTES`]).
    ///
    /// # Errors
    /// [`DagError::TooLarge`], [`DagError::Decode`], [`DagError::InvalidKind`],
    /// [`DagError::TooManyLinks`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DagError> {
        if bytes.len() > MAX_NODE_BYTES {
            return Err(DagError::TooLarge {
                len: bytes.len(),
                max: MAX_NODE_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        r.array(3)?;
        let kind = r.text(MAX_KIND_LEN)?.to_owned();
        let n = r.array_any(MAX_LINKS as u64)?;
        let mut links = Vec::with_capacity(n as usize);
        for _ in 0..n {
            links.push(ContentId(r.fixed_bytes::<32>()?));
        }
        let data = r.bytes(MAX_NODE_BYTES)?.to_vec();
        r.finish()?;
        let node = Self { kind, links, data };
        node.check()?;
        Ok(node)
    }

    /// Decodes `bytes` and checks they hash to `id` (white paper §8.2).
    ///
    /// # Errors
    /// [`DagError::Decode`] etc., or a hash mismatch reported as
    /// [`crate::content::ContentError::Mismatch`] inside [`DagVerifyError`].
    pub fn decode_verified(bytes: &[u8], id: &ContentId) -> Result<Self, DagVerifyError> {
        id.verify(bytes)?;
        Ok(Self::decode(bytes)?)
    }
}

/// Errors from [`DagNode::decode_verified`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DagVerifyError {
    /// The bytes do not hash to the id.
    #[error(transparent)]
    Hash(#[from] crate::content::ContentError),
    /// The bytes are not a node.
    #[error(transparent)]
    Node(#[from] DagError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_id() {
        let leaf = DagNode::new("blob", vec![], b"hi".to_vec()).unwrap();
        let root = DagNode::new("tree", vec![leaf.id().unwrap()], vec![]).unwrap();
        let enc = root.encode().unwrap();
        assert_eq!(enc[0], 0x83);
        assert_eq!(DagNode::decode(&enc).unwrap(), root);
        let id = root.id().unwrap();
        assert_eq!(DagNode::decode_verified(&enc, &id).unwrap(), root);
        assert!(DagNode::decode_verified(&enc, &leaf.id().unwrap()).is_err());
        let json = serde_json::to_string(&root).unwrap();
        assert_eq!(serde_json::from_str::<DagNode>(&json).unwrap(), root);
    }
}
