//! Blob fetch: the task spec (inline, local store, mesh, then the HTTP gateway), always
//! verified against its BLAKE3 content id before use.

use std::sync::Arc;
use std::time::Duration;

use aos_chain::TaskParams;
use aos_protocol::ContentId;
use aos_protocol::messages::{Message, TaskSpec};

use super::Worker;
use crate::decide::{Refusal, SpecError};

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
        if let Ok(Some(b)) = self.inner.p.blobs.get(&id).await {
            return Ok(b);
        }
        if let Some(mesh) = &self.inner.p.mesh {
            match tokio::time::timeout(Duration::from_secs(15), mesh.get_blob(id)).await {
                Ok(Ok(b)) => return Ok(b),
                Ok(Err(e)) => tracing::debug!(%id, %e, "mesh fetch failed"),
                Err(_) => tracing::debug!(%id, "mesh fetch timed out"),
            }
        }
        if let Some(base) = &self.cfg().blob_gateway {
            let url = format!("{}/{id}", base.trim_end_matches('/'));
            if let Ok(r) = self.inner.http.get(&url).send().await
                && r.status().is_success()
                && let Ok(b) = r.bytes().await
                && id.verify(&b).is_ok()
            {
                return Ok(b.to_vec());
            }
        }
        Err(Refusal::Spec(SpecError::NotFound(id)))
    }
}
