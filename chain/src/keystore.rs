//! Ethereum keystores: the encrypted JSON format of geth/foundry (scrypt + AES-128-CTR),
//! through `alloy-signer-local` (which uses the `eth-keystore` crate).

use std::path::{Path, PathBuf};

use alloy::signers::local::{LocalSignerError, PrivateKeySigner};

/// A keystore could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// Wrong password, corrupt file, or I/O error; names the file.
    #[error("keystore {path}: {source}")]
    Keystore {
        /// The file.
        path: PathBuf,
        /// The cause (a wrong password shows as a MAC mismatch).
        source: LocalSignerError,
    },
}

/// Decrypt `path` with `password`.
///
/// # Errors
/// [`KeystoreError::Keystore`] on a wrong password, a malformed file or I/O failure.
pub fn load_keystore(
    path: impl AsRef<Path>,
    password: &str,
) -> Result<PrivateKeySigner, KeystoreError> {
    let path = path.as_ref();
    PrivateKeySigner::decrypt_keystore(path, password).map_err(|source| KeystoreError::Keystore {
        path: path.to_owned(),
        source,
    })
}

/// Encrypt `signer`'s key into `dir/name` with `password`; returns the file path.
///
/// # Errors
/// [`KeystoreError::Keystore`] when the file cannot be written.
pub fn create_keystore(
    dir: impl AsRef<Path>,
    name: &str,
    signer: &PrivateKeySigner,
    password: &str,
) -> Result<PathBuf, KeystoreError> {
    let dir = dir.as_ref();
    let mut rng = rand::thread_rng();
    PrivateKeySigner::encrypt_keystore(dir, &mut rng, signer.to_bytes(), password, Some(name))
        .map_err(|source| KeystoreError::Keystore {
            path: dir.join(name),
            source,
        })?;
    Ok(dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_password() {
        let dir = tempfile::tempdir().unwrap();
        let signer = PrivateKeySigner::random();
        let path = create_keystore(dir.path(), "worker.json", &signer, "correct horse").unwrap();
        let back = load_keystore(&path, "correct horse").unwrap();
        assert_eq!(back.address(), signer.address());
        let err = load_keystore(&path, "wrong").unwrap_err().to_string();
        assert!(err.contains("worker.json"), "{err}");
    }
}
