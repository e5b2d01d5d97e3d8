//! Content ids: BLAKE3 hashes of blobs (DESIGN.md "Content"; white paper §3.1 "DAG storage
//! (content-addressed, immutable)", §8.2 "Hash verification on all content-addressed
//! data").

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Errors from parsing or checking a content id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentError {
    /// The text is not `0x` + 64 hex digits or `blake3:` + 64 hex digits.
    #[error("invalid content id {0:?}: expected 0x<64 hex> or blake3:<64 hex>")]
    Parse(String),
    /// The bytes do not hash to the expected id.
    #[error("content hash mismatch: expected {expected}, got {actual}")]
    Mismatch {
        /// The id the content should have.
        expected: ContentId,
        /// The id it has.
        actual: ContentId,
    },
}

/// A 32-byte BLAKE3 hash of some bytes; equal to the `bytes32` stored on chain.
///
/// Displayed and serialised (serde) as `0x` + 64 lowercase hex digits; parsed from that or
/// from `blake3:` + 64 hex digits (either case).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ContentId(pub [u8; 32]);

impl ContentId {
    /// The BLAKE3 hash of `bytes`.
    #[inline]
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// The 32 raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Checks that `bytes` hash to this id.
    ///
    /// # Errors
    /// [`ContentError::Mismatch`].
    pub fn verify(&self, bytes: &[u8]) -> Result<(), ContentError> {
        let actual = Self::of(bytes);
        if actual == *self {
            Ok(())
        } else {
            Err(ContentError::Mismatch {
                expected: *self,
                actual,
            })
        }
    }

    /// The `blake3:<hex>` form.
    pub fn to_blake3_string(&self) -> String {
        format!("blake3:{}", hex::encode(self.0))
    }
}

impl fmt::Display for ContentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for ContentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentId({self})")
    }
}

impl FromStr for ContentId {
    type Err = ContentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let h = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("blake3:"))
            .ok_or_else(|| ContentError::Parse(s.chars().take(80).collect()))?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(h, &mut out)
            .map_err(|_| ContentError::Parse(s.chars().take(80).collect()))?;
        Ok(Self(out))
    }
}

impl Serialize for ContentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ContentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ContentId {
    fn schema_name() -> Cow<'static, str> {
        "ContentId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "BLAKE3 hash (32 bytes) as 0x + 64 hex digits (blake3:<hex> also accepted)",
            "pattern": "^(0x|blake3:)[0-9a-fA-F]{64}$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_parse_and_verify() {
        let id = ContentId::of(b"hello");
        assert_eq!(id.0, *blake3::hash(b"hello").as_bytes());
        let s = id.to_string();
        assert!(s.starts_with("0x") && s.len() == 66);
        assert_eq!(s.parse::<ContentId>().unwrap(), id);
        assert_eq!(id.to_blake3_string().parse::<ContentId>().unwrap(), id);
        assert_eq!(
            s.to_uppercase()
                .replace("0X", "0x")
                .parse::<ContentId>()
                .unwrap(),
            id
        );
        assert!("sha256:00".parse::<ContentId>().is_err());
        assert!("0x1234".parse::<ContentId>().is_err());
        id.verify(b"hello").unwrap();
        assert!(id.verify(b"hellO").is_err());
    }
}
