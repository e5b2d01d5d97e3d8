//! Passphrase-encrypted agent key files.
//!
//! # Format (version 1)
//!
//! A UTF-8 JSON object:
//!
//! ```json
//! {
//!   "version": 1,
//!   "kind": "aos-agent-key",
//!   "agent_id": "<base58 Ed25519 public key>",
//!   "kdf": { "alg": "argon2id", "m_cost_kib": 65536, "t_cost": 3, "p_cost": 1,
//!            "salt": "<32 hex chars: 16 random bytes>" },
//!   "cipher": { "alg": "xchacha20-poly1305",
//!               "nonce": "<48 hex chars: 24 random bytes>",
//!               "ciphertext": "<96 hex chars: 32-byte seed + 16-byte tag>" }
//! }
//! ```
//!
//! * Key derivation: Argon2id v1.3 (RFC 9106) of the passphrase with `salt`, output 32
//!   bytes. Defaults m = 64 MiB, t = 3, p = 1 (RFC 9106 §4's second recommended option,
//!   with one lane). Files claiming more than 1 GiB, t > 64 or p > 16 are refused, so a
//!   hostile file cannot make the reader allocate without bound.
//! * Encryption: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) of the 32-byte Ed25519
//!   secret seed, with associated data `"AOS-KEYFILE-v1" || agent_id (32 bytes)`, so the
//!   public key in the file cannot be swapped without detection.
//! * After decryption the seed's public key must equal `agent_id`.
//!
//! The derived key and the plaintext seed live in [`Zeroizing`] buffers.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::identity::{AgentId, AgentKey};

/// The only key file version this crate writes and reads.
pub const KEYFILE_VERSION: u32 = 1;
const KIND: &str = "aos-agent-key";
const KDF_ALG: &str = "argon2id";
const CIPHER_ALG: &str = "xchacha20-poly1305";
const AAD_TAG: &[u8] = b"AOS-KEYFILE-v1";
/// Largest key file accepted when reading, in bytes.
pub const MAX_KEYFILE_BYTES: usize = 4096;

/// Errors from creating, reading or decrypting a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The passphrase is wrong, or the ciphertext / agent id was altered (AEAD tag mismatch:
    /// the two cannot be told apart).
    #[error("wrong passphrase or corrupted key file")]
    WrongPassphrase,
    /// The file is not a well-formed version-1 key file.
    #[error("malformed key file: {0}")]
    Malformed(String),
    /// The file declares a version this crate does not know.
    #[error("unsupported key file version {0} (expected {KEYFILE_VERSION})")]
    UnsupportedVersion(u32),
    /// The KDF cost parameters are outside the accepted bounds.
    #[error("key file KDF parameters out of bounds: {0}")]
    KdfParams(String),
    /// The decrypted seed does not belong to the `agent_id` recorded in the file.
    #[error("decrypted key does not match the file's agent_id")]
    KeyMismatch,
    /// Reading or writing the file failed.
    #[error("key file I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Argon2id cost parameters (RFC 9106 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Number of passes.
    pub t_cost: u32,
    /// Degree of parallelism (lanes).
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane.
    fn default() -> Self {
        Self {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters (64 KiB, 1 pass) for tests only: they give no protection against
    /// passphrase guessing.
    pub const fn insecure_for_tests() -> Self {
        Self {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        }
    }

    fn check(&self) -> Result<Params, KeyFileError> {
        if self.m_cost_kib > 1024 * 1024 || self.t_cost > 64 || self.p_cost > 16 {
            return Err(KeyFileError::KdfParams(format!("{self:?}")));
        }
        Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| KeyFileError::KdfParams(e.to_string()))
    }

    fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.check()?);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, salt, out.as_mut())
            .map_err(|e| KeyFileError::KdfParams(e.to_string()))?;
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct KdfSection {
    alg: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CipherSection {
    alg: String,
    nonce: String,
    ciphertext: String,
}

/// An encrypted agent key file (format in the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    version: u32,
    kind: String,
    agent_id: AgentId,
    kdf: KdfSection,
    cipher: CipherSection,
}

fn aad(agent: &AgentId) -> Vec<u8> {
    let mut a = AAD_TAG.to_vec();
    a.extend_from_slice(agent.as_bytes());
    a
}

impl KeyFile {
    /// Encrypts `key` under `passphrase` with fresh random salt and nonce.
    ///
    /// # Errors
    /// [`KeyFileError::KdfParams`] if `params` are out of bounds.
    pub fn encrypt(
        key: &AgentKey,
        passphrase: &[u8],
        params: KdfParams,
    ) -> Result<Self, KeyFileError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        let k = params.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(k.as_ref().into());
        let agent_id = key.agent_id();
        let seed = key.secret_bytes();
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: seed.as_ref(),
                    aad: &aad(&agent_id),
                },
            )
            .map_err(|_| KeyFileError::Malformed("encryption failed".into()))?;
        Ok(Self {
            version: KEYFILE_VERSION,
            kind: KIND.into(),
            agent_id,
            kdf: KdfSection {
                alg: KDF_ALG.into(),
                params,
                salt: hex::encode(salt),
            },
            cipher: CipherSection {
                alg: CIPHER_ALG.into(),
                nonce: hex::encode(nonce),
                ciphertext: hex::encode(ct),
            },
        })
    }

    /// The public identity recorded in the file (readable without the passphrase).
    pub fn agent_id(&self) -> AgentId {
        self.agent_id
    }

    /// Decrypts the key.
    ///
    /// # Errors
    /// [`KeyFileError::WrongPassphrase`] on a wrong passphrase or altered file;
    /// [`KeyFileError::UnsupportedVersion`], [`KeyFileError::Malformed`],
    /// [`KeyFileError::KdfParams`], [`KeyFileError::KeyMismatch`].
    pub fn decrypt(&self, passphrase: &[u8]) -> Result<AgentKey, KeyFileError> {
        if self.version != KEYFILE_VERSION {
            return Err(KeyFileError::UnsupportedVersion(self.version));
        }
        if self.kind != KIND || self.kdf.alg != KDF_ALG || self.cipher.alg != CIPHER_ALG {
            return Err(KeyFileError::Malformed(
                "unknown kind or algorithm".to_string(),
            ));
        }
        let salt = decode_hex::<16>(&self.kdf.salt, "salt")?;
        let nonce = decode_hex::<24>(&self.cipher.nonce, "nonce")?;
        let ct = decode_hex::<48>(&self.cipher.ciphertext, "ciphertext")?;
        let k = self.kdf.params.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(k.as_ref().into());
        let pt = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &ct,
                        aad: &aad(&self.agent_id),
                    },
                )
                .map_err(|_| KeyFileError::WrongPassphrase)?,
        );
        let mut seed = Zeroizing::new([0u8; 32]);
        if pt.len() != 32 {
            return Err(KeyFileError::Malformed("seed length".into()));
        }
        seed.copy_from_slice(&pt);
        let key = AgentKey::from_secret_bytes(&seed);
        if key.agent_id() != self.agent_id {
            return Err(KeyFileError::KeyMismatch);
        }
        Ok(key)
    }

    /// Serialises the file as pretty JSON.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a key file from JSON (at most [`MAX_KEYFILE_BYTES`]).
    ///
    /// # Errors
    /// [`KeyFileError::Malformed`] or [`KeyFileError::UnsupportedVersion`].
    pub fn from_json(s: &str) -> Result<Self, KeyFileError> {
        if s.len() > MAX_KEYFILE_BYTES {
            return Err(KeyFileError::Malformed("file too large".into()));
        }
        let f: Self =
            serde_json::from_str(s).map_err(|e| KeyFileError::Malformed(e.to_string()))?;
        if f.version != KEYFILE_VERSION {
            return Err(KeyFileError::UnsupportedVersion(f.version));
        }
        Ok(f)
    }

    /// Writes the file to `path`, refusing to overwrite an existing file; on Unix the file
    /// is created with mode 0600.
    ///
    /// # Errors
    /// [`KeyFileError::Io`] (including `AlreadyExists`).
    pub fn write_new(&self, path: &Path) -> Result<(), KeyFileError> {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path)?;
        f.write_all(self.to_json().as_bytes())?;
        f.sync_all()?;
        Ok(())
    }

    /// Reads and parses a key file from `path`.
    ///
    /// # Errors
    /// [`KeyFileError::Io`], [`KeyFileError::Malformed`],
    /// [`KeyFileError::UnsupportedVersion`].
    pub fn read(path: &Path) -> Result<Self, KeyFileError> {
        let meta = fs::metadata(path)?;
        if meta.len() > MAX_KEYFILE_BYTES as u64 {
            return Err(KeyFileError::Malformed("file too large".into()));
        }
        Self::from_json(&fs::read_to_string(path)?)
    }
}

fn decode_hex<const N: usize>(s: &str, what: &str) -> Result<[u8; N], KeyFileError> {
    let v = hex::decode(s).map_err(|e| KeyFileError::Malformed(format!("{what}: {e}")))?;
    <[u8; N]>::try_from(v).map_err(|_| KeyFileError::Malformed(format!("{what}: wrong length")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let key = AgentKey::generate();
        let f = KeyFile::encrypt(&key, b"correct horse", KdfParams::insecure_for_tests()).unwrap();
        let parsed = KeyFile::from_json(&f.to_json()).unwrap();
        assert_eq!(parsed.agent_id(), key.agent_id());
        let back = parsed.decrypt(b"correct horse").unwrap();
        assert_eq!(*back.secret_bytes(), *key.secret_bytes());
        let err = parsed.decrypt(b"wrong").unwrap_err();
        assert!(matches!(err, KeyFileError::WrongPassphrase));
        assert_eq!(err.to_string(), "wrong passphrase or corrupted key file");
    }

    #[test]
    fn swapped_agent_id_detected() {
        let key = AgentKey::generate();
        let other = AgentKey::generate().agent_id();
        let f = KeyFile::encrypt(&key, b"pw", KdfParams::insecure_for_tests()).unwrap();
        let json = f
            .to_json()
            .replace(&key.agent_id().to_string(), &other.to_string());
        let tampered = KeyFile::from_json(&json).unwrap();
        assert!(matches!(
            tampered.decrypt(b"pw"),
            Err(KeyFileError::WrongPassphrase)
        ));
    }

    #[test]
    fn hostile_params_refused() {
        let key = AgentKey::generate();
        let f = KeyFile::encrypt(&key, b"pw", KdfParams::insecure_for_tests()).unwrap();
        let json = f
            .to_json()
            .replace("\"m_cost_kib\": 64", "\"m_cost_kib\": 4000000000");
        let err = KeyFile::from_json(&json)
            .unwrap()
            .decrypt(b"pw")
            .unwrap_err();
        assert!(matches!(err, KeyFileError::KdfParams(_)));
    }

    #[test]
    fn file_round_trip() {
        let dir = std::env::temp_dir().join(format!("aos-keyfile-{}", std::process::id()));
        let _ = fs::remove_file(&dir);
        let key = AgentKey::generate();
        let f = KeyFile::encrypt(&key, b"pw", KdfParams::insecure_for_tests()).unwrap();
        f.write_new(&dir).unwrap();
        assert!(f.write_new(&dir).is_err());
        let back = KeyFile::read(&dir).unwrap().decrypt(b"pw").unwrap();
        assert_eq!(back.agent_id(), key.agent_id());
        fs::remove_file(&dir).unwrap();
    }
}
