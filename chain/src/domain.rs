//! Karma domains on chain: short UTF-8 names right-padded into `bytes32`
//! (the encoding of `cast format-bytes32-string`).

use alloy::primitives::B256;

/// A domain name that does not fit the on-chain encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Empty, longer than 32 bytes, or containing a NUL byte.
    #[error("domain {0:?} must be 1..=32 bytes of UTF-8 without NUL")]
    Invalid(String),
    /// The bytes32 is not NUL-padded UTF-8.
    #[error("bytes32 {0} is not a NUL-padded UTF-8 domain name")]
    NotUtf8(B256),
}

/// `"summarisation"` → `0x73756d6d…00`.
///
/// # Errors
/// [`DomainError::Invalid`] when empty, over 32 bytes or containing NUL.
pub fn domain_to_bytes32(domain: &str) -> Result<B256, DomainError> {
    let b = domain.as_bytes();
    if b.is_empty() || b.len() > 32 || b.contains(&0) {
        return Err(DomainError::Invalid(domain.to_owned()));
    }
    let mut out = [0u8; 32];
    out[..b.len()].copy_from_slice(b);
    Ok(B256::from(out))
}

/// Inverse of [`domain_to_bytes32`].
///
/// # Errors
/// [`DomainError::NotUtf8`] when the bytes are not UTF-8 followed only by NUL padding.
pub fn bytes32_to_domain(b: B256) -> Result<String, DomainError> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(32);
    if b[end..].iter().any(|&c| c != 0) {
        return Err(DomainError::NotUtf8(b));
    }
    String::from_utf8(b[..end].to_vec()).map_err(|_| DomainError::NotUtf8(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let b = domain_to_bytes32("summarisation").unwrap();
        assert_eq!(&b[..13], b"summarisation");
        assert_eq!(bytes32_to_domain(b).unwrap(), "summarisation");
        assert!(domain_to_bytes32("").is_err());
        assert!(domain_to_bytes32(&"x".repeat(33)).is_err());
        assert!(domain_to_bytes32(&"x".repeat(32)).is_ok());
        let mut bad = [0u8; 32];
        bad[0] = b'a';
        bad[5] = b'b';
        assert!(bytes32_to_domain(B256::from(bad)).is_err());
    }
}
