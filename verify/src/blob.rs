//! Where the evaluator gets the blobs a spec names (a checker module, a photo): the
//! [`BlobSource`] trait, which the worker, coordinator and jurors implement over the mesh
//! or an HTTP gateway, and [`MemoryBlobs`] for tests and single processes.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::RwLock;

use aos_protocol::{ContentError, ContentId};

/// A boxed `Send` future (what [`BlobSource`] and [`crate::Judge`] return, so both can be
/// used as trait objects).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Fetching a blob failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// No source has it.
    #[error("blob {0} not found")]
    NotFound(ContentId),
    /// It is larger than the caller accepts; nothing past the limit was read.
    #[error("blob {id} is {len} bytes, above the limit of {max} bytes")]
    TooLarge {
        /// The blob.
        id: ContentId,
        /// Its size (or a lower bound), bytes.
        len: u64,
        /// The caller's limit, bytes.
        max: u64,
    },
    /// The bytes do not hash to the id (checked by the evaluator).
    #[error(transparent)]
    Mismatch(#[from] ContentError),
    /// The source failed (network, disk).
    #[error("blob {id} unavailable: {reason}")]
    Unavailable {
        /// The blob.
        id: ContentId,
        /// What went wrong.
        reason: String,
        /// Whether trying again may help.
        retryable: bool,
    },
}

impl BlobError {
    /// Whether trying again (perhaps from another peer) may succeed: not found, a hash
    /// mismatch (another source may serve the right bytes) and retryable failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::NotFound(_) | Self::Mismatch(_) => true,
            Self::Unavailable { retryable, .. } => *retryable,
            Self::TooLarge { .. } => false,
        }
    }
}

impl BlobError {
    /// `bytes` of blob `id` when they are at most `max_bytes`, else
    /// [`BlobError::TooLarge`]: the size rule every [`BlobSource`] and the evaluator apply.
    ///
    /// # Errors
    /// [`BlobError::TooLarge`].
    pub fn within(id: &ContentId, bytes: Vec<u8>, max_bytes: u64) -> Result<Vec<u8>, Self> {
        if bytes.len() as u64 > max_bytes {
            return Err(Self::TooLarge {
                id: *id,
                len: bytes.len() as u64,
                max: max_bytes,
            });
        }
        Ok(bytes)
    }
}

/// A source of content-addressed blobs.
pub trait BlobSource: Send + Sync {
    /// The bytes of blob `id`, at most `max_bytes` of them: a larger blob is
    /// [`BlobError::TooLarge`] without being read in full. The evaluator checks the bytes
    /// against `id`.
    ///
    /// # Errors
    /// [`BlobError`].
    fn get<'a>(
        &'a self,
        id: &'a ContentId,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, BlobError>>;
}

/// Blobs held in memory, by id.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    blobs: RwLock<HashMap<ContentId, Vec<u8>>>,
}

impl MemoryBlobs {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `bytes`; returns their id.
    pub fn insert(&self, bytes: Vec<u8>) -> ContentId {
        let id = ContentId::of(&bytes);
        self.blobs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, bytes);
        id
    }

    /// Stores `bytes` under `id` without checking that they hash to it (to test how
    /// callers handle a lying source).
    pub fn insert_unchecked(&self, id: ContentId, bytes: Vec<u8>) {
        self.blobs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, bytes);
    }
}

impl BlobSource for MemoryBlobs {
    fn get<'a>(
        &'a self,
        id: &'a ContentId,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        let found = {
            let map = self.blobs.read().unwrap_or_else(|p| p.into_inner());
            match map.get(id) {
                None => Err(BlobError::NotFound(*id)),
                Some(b) => BlobError::within(id, b.clone(), max_bytes),
            }
        };
        Box::pin(async move { found })
    }
}
