//! Blob fetch: the task spec (inline, local store, mesh, then the HTTP gateway), always
//! verified against its BLAKE3 content id before use; the same path serves the evaluator
//! the blobs a spec names (a checker module, a photo) through [`BlobFetcher`].

use std::sync::Arc;
use std::time::Duration;

use aos_chain::TaskParams;
use aos_mesh::BlobStore;
use aos_protocol::ContentId;
use aos_protocol::messages::{Message, TaskSpec};
use aos_verify::{BlobError, BlobSource, BoxFuture};

use super::Worker;
use crate::decide::{Refusal, SpecError};

/// The worker's blob sources in order: the local store, the mesh (15 s), the HTTP
/// gateway. Every copy is checked against its id.
#[derive(Clone)]
pub(super) struct BlobFetcher {
    pub(super) blobs: BlobStore,
    pub(super) mesh: Option<aos_mesh::Client>,
    pub(super) http: reqwest::Client,
    pub(super) gateway: Option<String>,
}

impl BlobFetcher {
    /// Blob `id` from the first source that has it, verified; `None` when none has it.
    pub(super) async fn fetch_once(&self, id: ContentId) -> Option<Vec<u8>> {
        if let Ok(Some(b)) = self.blobs.get(&id).await {
            return Some(b);
        }
        if let Some(mesh) = &self.mesh {
            match tokio::time::timeout(Duration::from_secs(15), mesh.get_blob(id)).await {
                Ok(Ok(b)) => return Some(b),
                Ok(Err(e)) => tracing::debug!(%id, %e, "mesh fetch failed"),
                Err(_) => tracing::debug!(%id, "mesh fetch timed out"),
            }
        }
        if let Some(base) = &self.gateway {
            let url = format!("{}/{id}", base.trim_end_matches('/'));
            if let Ok(r) = self.http.get(&url).send().await
                && r.status().is_success()
                && let Ok(b) = r.bytes().await
                && id.verify(&b).is_ok()
            {
                return Some(b.to_vec());
            }
        }
        None
    }
}

impl BlobSource for BlobFetcher {
    fn get<'a>(
        &'a self,
        id: &'a ContentId,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        Box::pin(async move {
            let b = self.fetch_once(*id).await.ok_or(BlobError::NotFound(*id))?;
            BlobError::within(id, b, max_bytes)
        })
    }
}

impl Worker {
    /// Fetches and checks the spec blob: inline bytes, the local store, the mesh, then the
    /// HTTP gateway; always verified against `specHash`.
    pub(super) async fn spec(
        &self,
        p: &TaskParams,
        inline: Option<Vec<u8>>,
    ) -> Result<TaskSpec, Refusal> {
        let id = ContentId(p.specHash.0);
        let bytes = match inline {
            Some(b) if id.verify(&b).is_ok() => Some(b),
            _ => None,
        };
        let bytes = match bytes {
            Some(b) => b,
            None => self.fetch_blob(id).await?,
        };
        let _ = self.inner.p.blobs.put(&bytes).await;
        TaskSpec::from_json(&bytes).map_err(|e| Refusal::Spec(SpecError::Parse(Arc::new(e))))
    }

    /// [`Worker::fetch_blob_once`], three tries one second apart (a provider record may
    /// still be propagating when the `TaskPosted` log arrives).
    async fn fetch_blob(&self, id: ContentId) -> Result<Vec<u8>, Refusal> {
        let mut last = None;
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            match self.fetch_blob_once(id).await {
                Ok(b) => return Ok(b),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Refusal::Spec(SpecError::NotFound(id))))
    }

    async fn fetch_blob_once(&self, id: ContentId) -> Result<Vec<u8>, Refusal> {
        self.inner
            .fetcher
            .fetch_once(id)
            .await
            .ok_or(Refusal::Spec(SpecError::NotFound(id)))
    }
}
