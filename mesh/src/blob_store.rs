//! Content-addressed blobs on disk: one file per blob, named by its BLAKE3 id
//! (`<dir>/<64 hex>`), written to a temporary name and renamed so a reader never sees a
//! partial file. Every read is checked against its id (white paper §8.2 "Hash verification
//! on all content-addressed data").

use std::path::{Path, PathBuf};

use aos_protocol::ContentId;

use crate::MeshError;

/// A blob store rooted at a folder.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
    max_bytes: u64,
}

impl BlobStore {
    /// Opens (creating) the folder; blobs above `max_bytes` are refused.
    ///
    /// # Errors
    /// [`MeshError::Io`] when the folder cannot be created.
    pub fn open(dir: impl Into<PathBuf>, max_bytes: u64) -> Result<Self, MeshError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| MeshError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir, max_bytes })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Largest blob, bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn path(&self, id: &ContentId) -> PathBuf {
        self.dir.join(hex::encode(id.as_bytes()))
    }

    fn check_len(&self, len: u64) -> Result<(), MeshError> {
        if len > self.max_bytes {
            return Err(MeshError::BlobTooLarge {
                len,
                max: self.max_bytes,
            });
        }
        Ok(())
    }

    /// Stores `bytes`; returns their id. Idempotent.
    ///
    /// # Errors
    /// [`MeshError::BlobTooLarge`], [`MeshError::Io`].
    pub async fn put(&self, bytes: &[u8]) -> Result<ContentId, MeshError> {
        self.check_len(bytes.len() as u64)?;
        let id = ContentId::of(bytes);
        let path = self.path(&id);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(id);
        }
        let tmp = self.dir.join(format!(
            ".{}.{}.tmp",
            hex::encode(id.as_bytes()),
            std::process::id()
        ));
        let io = |source| MeshError::Io {
            path: path.clone(),
            source,
        };
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        Ok(id)
    }

    /// Stores `bytes` that should hash to `id`.
    ///
    /// # Errors
    /// [`MeshError::Content`] on a mismatch, else as [`BlobStore::put`].
    pub async fn put_verified(&self, id: &ContentId, bytes: &[u8]) -> Result<(), MeshError> {
        id.verify(bytes)?;
        self.put(bytes).await.map(|_| ())
    }

    /// Reads a blob; `None` if absent. A file that no longer matches its id (disk
    /// corruption, tampering) is reported as [`MeshError::Content`].
    ///
    /// # Errors
    /// [`MeshError::Io`], [`MeshError::Content`], [`MeshError::BlobTooLarge`].
    pub async fn get(&self, id: &ContentId) -> Result<Option<Vec<u8>>, MeshError> {
        let path = self.path(id);
        let meta = match tokio::fs::metadata(&path).await {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(MeshError::Io { path, source }),
        };
        self.check_len(meta.len())?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|source| MeshError::Io { path, source })?;
        id.verify(&bytes)?;
        Ok(Some(bytes))
    }

    /// Whether the blob is stored.
    pub async fn contains(&self, id: &ContentId) -> bool {
        tokio::fs::try_exists(self.path(id)).await.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_verify_and_limits() {
        let dir = tempfile::tempdir().unwrap();
        let s = BlobStore::open(dir.path(), 16).unwrap();
        let id = s.put(b"hello").await.unwrap();
        assert_eq!(id, ContentId::of(b"hello"));
        assert_eq!(s.get(&id).await.unwrap().unwrap(), b"hello");
        assert!(s.get(&ContentId::of(b"x")).await.unwrap().is_none());
        assert!(matches!(
            s.put(&[0; 17]).await,
            Err(MeshError::BlobTooLarge { .. })
        ));
        assert!(s.put_verified(&id, b"hellO").await.is_err());
        std::fs::write(s.path(&id), b"tampered").unwrap();
        assert!(matches!(s.get(&id).await, Err(MeshError::Content(_))));
    }
}
