//! User-provided API keys, encrypted at rest: one JSON file mapping a name to
//! `{salt, nonce, ciphertext}`, each entry sealed with XChaCha20-Poly1305 under a key
//! derived from the passphrase by Argon2id (RFC 9106; m = 19 MiB, t = 2, p = 1 — OWASP's
//! minimum). The plaintext never touches the disk; decrypted keys are zeroised on drop.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A secrets-file failure.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Reading or writing the file failed.
    #[error("secrets file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a secrets file.
    #[error("secrets file {0} is malformed")]
    Malformed(PathBuf),
    /// No secret of that name.
    #[error("no secret named {0:?} (add it with `aos-worker secret set {0}`)")]
    Missing(String),
    /// Wrong passphrase or tampered entry.
    #[error("cannot decrypt secret {0:?}: wrong passphrase or corrupted file")]
    Decrypt(String),
}

#[derive(Serialize, Deserialize, Default)]
struct File {
    secrets: BTreeMap<String, Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    salt: String,
    nonce: String,
    ciphertext: String,
}

fn kdf(pass: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).expect("valid Argon2 parameters");
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pass, salt, key.as_mut())
        .expect("32-byte output and 16-byte salt are valid");
    key
}

/// The encrypted secrets file at a path.
#[derive(Debug, Clone)]
pub struct SecretStore {
    path: PathBuf,
}

impl SecretStore {
    /// The file at `path` (created on first [`SecretStore::set`]).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<File, SecretError> {
        match std::fs::read(&self.path) {
            Ok(b) => {
                serde_json::from_slice(&b).map_err(|_| SecretError::Malformed(self.path.clone()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(source) => Err(SecretError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Encrypts and stores `value` under `name` (replacing any previous one).
    ///
    /// # Errors
    /// [`SecretError`].
    pub fn set(&self, name: &str, value: &str, passphrase: &str) -> Result<(), SecretError> {
        let mut f = self.read()?;
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        let key = kdf(passphrase.as_bytes(), &salt);
        let ct = XChaCha20Poly1305::new(key.as_ref().into())
            .encrypt(XNonce::from_slice(&nonce), value.as_bytes())
            .map_err(|_| SecretError::Decrypt(name.into()))?;
        f.secrets.insert(
            name.into(),
            Entry {
                salt: hex::encode(salt),
                nonce: hex::encode(nonce),
                ciphertext: hex::encode(ct),
            },
        );
        let json = serde_json::to_vec_pretty(&f).expect("serializable");
        let io = |source| SecretError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(&self.path, json).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        Ok(())
    }

    /// Decrypts the secret `name`.
    ///
    /// # Errors
    /// [`SecretError::Missing`], [`SecretError::Decrypt`], [`SecretError::Malformed`].
    pub fn get(&self, name: &str, passphrase: &str) -> Result<Zeroizing<String>, SecretError> {
        let f = self.read()?;
        let e = f
            .secrets
            .get(name)
            .ok_or_else(|| SecretError::Missing(name.into()))?;
        let bad = || SecretError::Malformed(self.path.clone());
        let salt = hex::decode(&e.salt).map_err(|_| bad())?;
        let nonce = hex::decode(&e.nonce).map_err(|_| bad())?;
        let ct = hex::decode(&e.ciphertext).map_err(|_| bad())?;
        if nonce.len() != 24 {
            return Err(bad());
        }
        let key = kdf(passphrase.as_bytes(), &salt);
        let pt = XChaCha20Poly1305::new(key.as_ref().into())
            .decrypt(XNonce::from_slice(&nonce), ct.as_slice())
            .map_err(|_| SecretError::Decrypt(name.into()))?;
        String::from_utf8(pt)
            .map(Zeroizing::new)
            .map_err(|_| SecretError::Decrypt(name.into()))
    }

    /// Names of the stored secrets.
    ///
    /// # Errors
    /// [`SecretError`].
    pub fn names(&self) -> Result<Vec<String>, SecretError> {
        Ok(self.read()?.secrets.into_keys().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let s = SecretStore::new(dir.path().join("secrets.json"));
        s.set("openai", "sk-live-123456", "pw").unwrap();
        let raw = std::fs::read_to_string(s.path()).unwrap();
        assert!(!raw.contains("sk-live"));
        assert_eq!(s.get("openai", "pw").unwrap().as_str(), "sk-live-123456");
        assert!(matches!(
            s.get("openai", "nope"),
            Err(SecretError::Decrypt(_))
        ));
        assert!(matches!(s.get("x", "pw"), Err(SecretError::Missing(_))));
        assert_eq!(s.names().unwrap(), vec!["openai".to_string()]);
    }
}
