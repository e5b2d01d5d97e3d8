//! Deterministic CBOR (RFC 8949 §4.2.1, "core deterministic encoding requirements").
//!
//! Two tools live here:
//!
//! * a tiny hand-written writer/reader for fixed-shape records (the signed envelope), which
//!   is deterministic by construction: every head uses the shortest argument form, every
//!   length is definite, and the reader rejects anything else;
//! * [`to_canonical_cbor`], which turns any `serde::Serialize` value into deterministic CBOR
//!   by going through [`ciborium::Value`] and sorting every map by the bytewise
//!   lexicographic order of its encoded keys (§4.2.1). Integers are written in their
//!   shortest form and floats in the shortest IEEE 754 width that preserves the value
//!   (ciborium's behaviour, matching §4.2.1's "preferred serialization").

use ciborium::Value;
use serde::{Serialize, de::DeserializeOwned};

/// Errors from deterministic CBOR encoding and strict decoding.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CborError {
    /// The input ended before the item was complete.
    #[error("CBOR input truncated")]
    Truncated,
    /// An item head was not in its shortest form, or used an indefinite length or a
    /// reserved additional-information value (RFC 8949 §4.2.1 forbids all three).
    #[error("non-canonical CBOR head at byte {0}")]
    NonCanonical(usize),
    /// The item had a different major type or length than the record requires.
    #[error("unexpected CBOR item at byte {at}: expected {expected}")]
    Unexpected {
        /// Byte offset of the offending head.
        at: usize,
        /// What the decoder wanted there.
        expected: &'static str,
    },
    /// A text string was not valid UTF-8.
    #[error("CBOR text string is not valid UTF-8")]
    InvalidUtf8,
    /// Bytes were left after the record.
    #[error("{0} trailing bytes after CBOR item")]
    TrailingBytes(usize),
    /// A map had two entries with the same key (RFC 8949 §5.6: not valid for signing).
    #[error("duplicate key in CBOR map")]
    DuplicateKey,
    /// The input is larger than the decoder accepts.
    #[error("CBOR input of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// serde (de)serialisation through ciborium failed.
    #[error("CBOR serde error: {0}")]
    Serde(String),
}

pub(crate) const MAJOR_UINT: u8 = 0;
pub(crate) const MAJOR_BYTES: u8 = 2;
pub(crate) const MAJOR_TEXT: u8 = 3;
pub(crate) const MAJOR_ARRAY: u8 = 4;

/// Appends an item head with the shortest argument encoding (RFC 8949 §4.2.1).
pub(crate) fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if arg <= u64::from(u8::MAX) {
        out.extend_from_slice(&[m | 24, arg as u8]);
    } else if arg <= u64::from(u16::MAX) {
        out.push(m | 25);
        out.extend_from_slice(&(arg as u16).to_be_bytes());
    } else if arg <= u64::from(u32::MAX) {
        out.push(m | 26);
        out.extend_from_slice(&(arg as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

/// Length in bytes of the head [`write_head`] would write.
pub(crate) const fn head_len(arg: u64) -> usize {
    if arg < 24 {
        1
    } else if arg <= 0xff {
        2
    } else if arg <= 0xffff {
        3
    } else if arg <= 0xffff_ffff {
        5
    } else {
        9
    }
}

pub(crate) fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_head(out, MAJOR_BYTES, b.len() as u64);
    out.extend_from_slice(b);
}

pub(crate) fn write_text(out: &mut Vec<u8>, s: &str) {
    write_head(out, MAJOR_TEXT, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A strict reader: accepts only shortest-form, definite-length heads.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CborError> {
        let end = self.pos.checked_add(n).ok_or(CborError::Truncated)?;
        let s = self.buf.get(self.pos..end).ok_or(CborError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    /// Reads one head, returning (major type, argument).
    fn head(&mut self) -> Result<(u8, u64), CborError> {
        let at = self.pos;
        let b = self.take(1)?[0];
        let (major, info) = (b >> 5, b & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => {
                let v = u64::from(self.take(1)?[0]);
                if v < 24 {
                    return Err(CborError::NonCanonical(at));
                }
                v
            }
            25 => {
                let s = self.take(2)?;
                let v = u64::from(u16::from_be_bytes([s[0], s[1]]));
                if v <= 0xff {
                    return Err(CborError::NonCanonical(at));
                }
                v
            }
            26 => {
                let s = self.take(4)?;
                let v = u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
                if v <= 0xffff {
                    return Err(CborError::NonCanonical(at));
                }
                v
            }
            27 => {
                let s = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                let v = u64::from_be_bytes(a);
                if v <= 0xffff_ffff {
                    return Err(CborError::NonCanonical(at));
                }
                v
            }
            _ => return Err(CborError::NonCanonical(at)),
        };
        Ok((major, arg))
    }

    fn expect(&mut self, major: u8, expected: &'static str) -> Result<u64, CborError> {
        let at = self.pos;
        let (m, arg) = self.head()?;
        if m != major {
            return Err(CborError::Unexpected { at, expected });
        }
        Ok(arg)
    }

    pub(crate) fn array(&mut self, len: u64) -> Result<(), CborError> {
        let at = self.pos;
        let n = self.expect(MAJOR_ARRAY, "array")?;
        if n != len {
            return Err(CborError::Unexpected {
                at,
                expected: "array of the record's length",
            });
        }
        Ok(())
    }

    /// Reads an array head of any length up to `max` and returns the length.
    pub(crate) fn array_any(&mut self, max: u64) -> Result<u64, CborError> {
        let at = self.pos;
        let n = self.expect(MAJOR_ARRAY, "array")?;
        if n > max {
            return Err(CborError::Unexpected {
                at,
                expected: "array within its length limit",
            });
        }
        Ok(n)
    }

    pub(crate) fn uint(&mut self) -> Result<u64, CborError> {
        self.expect(MAJOR_UINT, "unsigned integer")
    }

    pub(crate) fn bytes(&mut self, max: usize) -> Result<&'a [u8], CborError> {
        let at = self.pos;
        let n = self.expect(MAJOR_BYTES, "byte string")?;
        let n = usize::try_from(n).map_err(|_| CborError::Truncated)?;
        if n > max {
            return Err(CborError::Unexpected {
                at,
                expected: "byte string within its size limit",
            });
        }
        self.take(n)
    }

    pub(crate) fn fixed_bytes<const N: usize>(&mut self) -> Result<[u8; N], CborError> {
        let at = self.pos;
        let b = self.bytes(N)?;
        <[u8; N]>::try_from(b).map_err(|_| CborError::Unexpected {
            at,
            expected: "byte string of fixed length",
        })
    }

    pub(crate) fn text(&mut self, max: usize) -> Result<&'a str, CborError> {
        let at = self.pos;
        let n = self.expect(MAJOR_TEXT, "text string")?;
        let n = usize::try_from(n).map_err(|_| CborError::Truncated)?;
        if n > max {
            return Err(CborError::Unexpected {
                at,
                expected: "text string within its size limit",
            });
        }
        std::str::from_utf8(self.take(n)?).map_err(|_| CborError::InvalidUtf8)
    }

    pub(crate) fn finish(&self) -> Result<(), CborError> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            n => Err(CborError::TrailingBytes(n)),
        }
    }
}

/// Sorts every map in `v` (recursively) by the bytewise order of its encoded keys, as RFC
/// 8949 §4.2.1 requires.
///
/// # Errors
/// [`CborError::DuplicateKey`] if a map holds the same key twice.
pub(crate) fn canonicalize(v: &mut Value) -> Result<(), CborError> {
    match v {
        Value::Array(items) => items.iter_mut().try_for_each(canonicalize),
        Value::Tag(_, inner) => canonicalize(inner),
        Value::Map(entries) => {
            let mut keyed = Vec::with_capacity(entries.len());
            for (mut k, mut val) in std::mem::take(entries) {
                canonicalize(&mut k)?;
                canonicalize(&mut val)?;
                let mut enc = Vec::new();
                ciborium::into_writer(&k, &mut enc).map_err(|e| CborError::Serde(e.to_string()))?;
                keyed.push((enc, k, val));
            }
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            if keyed.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(CborError::DuplicateKey);
            }
            *entries = keyed.into_iter().map(|(_, k, v)| (k, v)).collect();
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Encodes a [`ciborium::Value`] deterministically (maps sorted as in RFC 8949 §4.2.1).
///
/// # Errors
/// [`CborError::DuplicateKey`] on a map with a repeated key; [`CborError::Serde`] if
/// ciborium fails.
pub fn value_to_canonical_cbor(mut v: Value) -> Result<Vec<u8>, CborError> {
    canonicalize(&mut v)?;
    let mut out = Vec::new();
    ciborium::into_writer(&v, &mut out).map_err(|e| CborError::Serde(e.to_string()))?;
    Ok(out)
}

/// Encodes any serde value as deterministic CBOR (RFC 8949 §4.2.1): shortest integer and
/// float forms, definite lengths, map keys sorted bytewise by their encoding.
///
/// Struct fields become text-keyed maps (serde's data model), so the result does not depend
/// on field declaration order.
///
/// # Errors
/// [`CborError::Serde`] if the value cannot be represented (e.g. serde errors), or
/// [`CborError::DuplicateKey`].
pub fn to_canonical_cbor<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CborError> {
    let v = Value::serialized(value).map_err(|e| CborError::Serde(e.to_string()))?;
    value_to_canonical_cbor(v)
}

/// Decodes CBOR into `T`, refusing inputs larger than `max_len` bytes.
///
/// This accepts any well-formed CBOR that maps onto `T` (not only canonical input); use
/// [`to_canonical_cbor`] to obtain the canonical form of the result.
///
/// # Errors
/// [`CborError::TooLarge`] or [`CborError::Serde`] on malformed input.
pub fn from_cbor<T: DeserializeOwned>(bytes: &[u8], max_len: usize) -> Result<T, CborError> {
    if bytes.len() > max_len {
        return Err(CborError::TooLarge {
            len: bytes.len(),
            max: max_len,
        });
    }
    ciborium::from_reader(bytes).map_err(|e| CborError::Serde(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_shortest_and_round_trip() {
        for v in [
            0u64,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            write_head(&mut out, MAJOR_UINT, v);
            assert_eq!(out.len(), head_len(v));
            let mut r = Reader::new(&out);
            assert_eq!(r.uint().unwrap(), v);
            r.finish().unwrap();
        }
    }

    #[test]
    fn non_shortest_head_rejected() {
        assert_eq!(
            Reader::new(&[0x18, 0x05]).uint(),
            Err(CborError::NonCanonical(0))
        );
        assert_eq!(
            Reader::new(&[0x9f]).array(1),
            Err(CborError::NonCanonical(0))
        );
    }

    #[test]
    fn maps_sorted_bytewise_and_floats_shortest() {
        #[derive(Serialize)]
        struct S {
            zz: u8,
            a: f64,
            bb: f64,
        }
        let enc = to_canonical_cbor(&S {
            zz: 1,
            a: 1.5,
            bb: 0.1,
        })
        .unwrap();
        // map(3), "a" → f16 1.5, "bb" → f64 0.1, "zz" → 1 (shorter keys first, RFC 8949 §4.2.1)
        let mut want = vec![0xa3, 0x61, b'a', 0xf9, 0x3e, 0x00, 0x62, b'b', b'b', 0xfb];
        want.extend_from_slice(&0.1f64.to_be_bytes());
        want.extend_from_slice(&[0x62, b'z', b'z', 0x01]);
        assert_eq!(enc, want);
    }
}
