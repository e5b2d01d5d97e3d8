//! Reading a content-addressed blob (a task spec, a result) by its id, from wherever it is:
//! the blob folder a gateway serves (`--blob-dir`), this machine's cache
//! (`<data dir>/blobs`), an HTTP gateway (`GET <gateway>/<0x id>`), or the mesh (the
//! bootstrap peers; workers serve their result blobs there). Every copy is checked against
//! its id (BLAKE3; white paper §8.2 "Hash verification on all content-addressed data"); a
//! copy that does not match is refused and named.
//!
//! A blob fetched from the gateway or the mesh is kept in the blob folder (when set, so the
//! devnet's gateway serves it from then on) or else in the cache.
//!
//! Publishing ([`publish`]: `aos blob put`, evidence) writes a blob into the blob folder under
//! its id; [`blob_kind`] names what a blob is, for people.

use std::{path::PathBuf, time::Duration};

use aos_mesh::{BlobStore, MeshConfig};
use aos_protocol::{AgentKey, ContentId};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};

use crate::{ctx::Ctx, opts::Settings, units::parse_duration};

/// Largest blob read, bytes (the mesh's limit).
const MAX_BLOB_BYTES: u64 = 8 << 20;

/// Where to look besides the local folders.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    /// An HTTP blob gateway's base URL.
    pub(crate) gateway: Option<String>,
    /// How long to wait for a mesh peer to serve it; `None` skips the mesh.
    pub(crate) mesh_timeout: Option<Duration>,
}

/// Where `blob get` and `task result` look besides the local folders.
#[derive(Debug, Clone, Args)]
pub(crate) struct FetchArgs {
    /// An HTTP blob gateway (`GET <URL>/<0x id>`), e.g. the devnet's `blob_gateway`.
    #[arg(long, env = "AOS_BLOB_GATEWAY", value_name = "URL")]
    gateway: Option<String>,
    /// How long to wait for a mesh peer (the bootstrap peers) to serve it; 0 skips the mesh.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    mesh_timeout: Duration,
}

impl FetchArgs {
    /// The sources to try.
    pub(crate) fn sources(&self) -> Sources {
        Sources {
            gateway: self.gateway.clone(),
            mesh_timeout: (!self.mesh_timeout.is_zero()).then_some(self.mesh_timeout),
        }
    }
}

/// A verified blob and where it came from.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// Its bytes (they hash to the id).
    pub(crate) bytes: Vec<u8>,
    /// `blob folder <path>`, `cache <path>`, `gateway <url>` or `mesh`.
    pub(crate) source: String,
}

/// A copy whose bytes do not hash to the id asked for.
fn mismatch(id: ContentId, source: &str, bytes: &[u8]) -> String {
    format!(
        "{source} holds a blob that does not match {id}: its BLAKE3 is {} (corrupt or \
         tampered; refused)",
        ContentId::of(bytes)
    )
}

/// Fetch blob `id` and verify it (see the module docs for the order).
///
/// # Errors
/// When no source has a copy that hashes to `id`: the error names every copy that did not
/// match, else says where it looked.
pub(crate) async fn fetch(ctx: &Ctx, id: ContentId, sources: &Sources) -> Result<Fetched> {
    let mut refused: Vec<String> = Vec::new();
    let mut looked: Vec<String> = Vec::new();

    // 1. the blob folder a gateway serves (`aos blob put` writes `<0x id>` there)
    if let Some(dir) = &ctx.s.blob_dir {
        let path = dir.join(id.to_string());
        looked.push(format!("blob folder {}", dir.display()));
        if let Some(bytes) = read_small(&path)? {
            let source = format!("blob folder {}", path.display());
            if id.verify(&bytes).is_ok() {
                return Ok(Fetched { bytes, source });
            }
            refused.push(mismatch(id, &source, &bytes));
        }
    }
    // 2. this machine's cache
    let cache = BlobStore::open(ctx.data_path("blobs")?, MAX_BLOB_BYTES)
        .wrap_err("cannot open the blob cache")?;
    looked.push(format!("cache {}", cache.dir().display()));
    match cache.get(&id).await {
        Ok(Some(bytes)) => {
            return Ok(Fetched {
                bytes,
                source: format!("cache {}", cache.dir().display()),
            });
        }
        Ok(None) => {}
        Err(e) => refused.push(format!("cache {}: {e}", cache.dir().display())),
    }
    // 3. an HTTP gateway
    if let Some(base) = &sources.gateway {
        let url = format!("{}/{id}", base.trim_end_matches('/'));
        looked.push(format!("gateway {base}"));
        let r = reqwest::Client::new()
            .get(&url)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => {
                let bytes = r.bytes().await.wrap_err_with(|| format!("reading {url}"))?;
                let source = format!("gateway {url}");
                if id.verify(&bytes).is_ok() {
                    keep(ctx, &cache, id, &bytes).await;
                    return Ok(Fetched {
                        bytes: bytes.to_vec(),
                        source,
                    });
                }
                refused.push(mismatch(id, &source, &bytes));
            }
            Ok(r) => tracing::debug!(%url, status = %r.status(), "gateway has no such blob"),
            Err(e) => tracing::debug!(%url, %e, "gateway unreachable"),
        }
    }
    // 4. the mesh (peers verify nothing for us: aos-mesh checks the id on receipt)
    if let Some(within) = sources.mesh_timeout
        && !ctx.s.bootstrap.is_empty()
    {
        looked.push(format!("mesh ({} bootstrap peers)", ctx.s.bootstrap.len()));
        match from_mesh(ctx, id, within).await {
            Ok(bytes) => {
                keep(ctx, &cache, id, &bytes).await;
                return Ok(Fetched {
                    bytes,
                    source: "mesh".into(),
                });
            }
            Err(e) => refused.push(format!("mesh: {e:#}")),
        }
    }
    if refused.is_empty() {
        bail!(
            "blob {id} not found (looked in: {}); a gateway (--gateway URL) or bootstrap peers \
             (--bootstrap, config `bootstrap`) may have it",
            looked.join(", ")
        );
    }
    bail!(
        "no valid copy of blob {id}: {} (looked in: {})",
        refused.join("; "),
        looked.join(", ")
    )
}

/// Where [`publish`] put a blob.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    /// Its content id (BLAKE3 of the bytes).
    pub(crate) id: ContentId,
    /// `<blob folder>/<0x id>`, which the folder's gateway serves; `None` without a blob
    /// folder (then only this machine's cache holds it).
    pub(crate) path: Option<PathBuf>,
}

/// Publish `bytes` under their content id: into the blob folder (`--blob-dir`, config
/// `blob_dir`) a gateway serves; without a blob folder, into this machine's cache (best
/// effort), so `aos` on this machine still finds it (nobody else can until it is published).
///
/// # Errors
/// More than [`MAX_BLOB_BYTES`] (the mesh's limit), or the blob folder cannot be written.
pub(crate) async fn publish(ctx: &Ctx, bytes: &[u8]) -> Result<Published> {
    if bytes.len() as u64 > MAX_BLOB_BYTES {
        bail!(
            "{} bytes is more than a blob may be ({MAX_BLOB_BYTES} bytes, the mesh's limit)",
            bytes.len()
        );
    }
    let id = ContentId::of(bytes);
    if let Some(dir) = &ctx.s.blob_dir {
        let path = dir.join(id.to_string());
        std::fs::write(&path, bytes)
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        return Ok(Published {
            id,
            path: Some(path),
        });
    }
    match ctx
        .data_path("blobs")
        .map(|d| BlobStore::open(d, MAX_BLOB_BYTES))
    {
        Ok(Ok(cache)) => {
            if let Err(e) = cache.put(bytes).await {
                tracing::warn!(%id, %e, "cannot keep the blob in the cache");
            }
        }
        Ok(Err(e)) => tracing::warn!(%id, %e, "cannot open the blob cache"),
        Err(e) => tracing::warn!(%id, %e, "no data folder for the blob cache"),
    }
    Ok(Published { id, path: None })
}

/// A file to publish, read whole: at most [`MAX_BLOB_BYTES`].
///
/// # Errors
/// The file is missing, unreadable, or too large (checked before reading it).
pub(crate) fn read_blob_file(path: &std::path::Path) -> Result<Vec<u8>> {
    read_small(path)?.ok_or_else(|| eyre!("no such file: {}", path.display()))
}

/// What a blob is, for people: `result` (a worker's [`ResultBlob`]), `verdict` (an
/// evaluator's [`Verdict`]), `task spec` (a §6.2 [`TaskSpec`]), `dag node <kind>`, the `kind` (or `type`) string of a JSON object that has
/// one (`verdict`, …), else `JSON`, `text` or `binary`.
///
/// [`ResultBlob`]: aos_protocol::messages::ResultBlob
/// [`Verdict`]: aos_protocol::messages::Verdict
/// [`TaskSpec`]: aos_protocol::messages::TaskSpec
pub(crate) fn blob_kind(bytes: &[u8]) -> String {
    use aos_protocol::{
        DagNode,
        messages::{Message as _, ResultBlob, TaskSpec, Verdict},
    };
    if ResultBlob::from_json(bytes).is_ok() {
        return "result".into();
    }
    if Verdict::from_json(bytes).is_ok() {
        return "verdict".into();
    }
    if TaskSpec::from_json(bytes).is_ok() {
        return "task spec".into();
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let named = ["kind", "type"]
            .iter()
            .find_map(|k| v.get(k).and_then(serde_json::Value::as_str))
            .filter(|k| !k.is_empty() && k.len() <= 64 && !k.chars().any(char::is_control));
        return named.map_or_else(|| "JSON".into(), str::to_owned);
    }
    if let Ok(n) = DagNode::decode(bytes) {
        return format!("dag node {}", n.kind);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return "text".into();
    }
    "binary".into()
}

/// A file's bytes, `None` when it does not exist.
fn read_small(path: &std::path::Path) -> Result<Option<Vec<u8>>> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_BLOB_BYTES => bail!(
            "{} is {} bytes, more than a blob may be ({MAX_BLOB_BYTES})",
            path.display(),
            m.len()
        ),
        Ok(_) => {
            Ok(Some(std::fs::read(path).wrap_err_with(|| {
                format!("cannot read {}", path.display())
            })?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).wrap_err_with(|| format!("cannot read {}", path.display())),
    }
}

/// Keep a fetched blob: in the blob folder when set (the gateway serves it from then on),
/// else in the cache. Best effort: a read does not fail because a copy could not be kept.
async fn keep(ctx: &Ctx, cache: &BlobStore, id: ContentId, bytes: &[u8]) {
    let kept = match &ctx.s.blob_dir {
        Some(dir) => {
            let path: PathBuf = dir.join(id.to_string());
            std::fs::write(&path, bytes).map_err(|e| e.to_string())
        }
        None => cache.put(bytes).await.map(drop).map_err(|e| e.to_string()),
    };
    if let Err(e) = kept {
        tracing::warn!(%id, %e, "cannot keep the fetched blob");
    }
}

/// Ask the mesh through the bootstrap peers, with a throwaway identity.
async fn from_mesh(ctx: &Ctx, id: ContentId, within: Duration) -> Result<Vec<u8>> {
    use alloy::providers::Provider as _;
    let chain_id = ctx
        .read_provider()?
        .get_chain_id()
        .await
        .wrap_err_with(|| format!("cannot reach the RPC at {} for the chain id", ctx.s.rpc))?;
    let tmp = tempfile::tempdir()?;
    let cfg = mesh_config(&ctx.s, chain_id, tmp.path().join("blobs"))?;
    let (mesh, _task) = aos_mesh::spawn(&AgentKey::generate(), cfg)
        .await
        .wrap_err("cannot start a mesh node")?;
    let r = tokio::time::timeout(within, mesh.get_blob(id)).await;
    mesh.shutdown().await;
    let bytes = r
        .map_err(|_| eyre!("no peer served it within {within:?}"))?
        .wrap_err("no peer served it")?;
    id.verify(&bytes)
        .map_err(|_| eyre!("{}", mismatch(id, "a mesh peer", &bytes)))?;
    Ok(bytes)
}

/// The settings of a mesh node `aos` starts (a blob read, `aos demo`'s jurors): it listens
/// on `--listen` (`AOS_LISTEN`, config `listen`; empty: one loopback TCP port chosen by the
/// OS) and dials `--bootstrap`.
///
/// # Errors
/// A listen or bootstrap address that is not a multiaddr (named in the error).
pub(crate) fn mesh_config(
    s: &Settings,
    chain_id: u64,
    blob_dir: impl Into<PathBuf>,
) -> Result<MeshConfig> {
    MeshConfig::new(chain_id, blob_dir)
        .with_addresses(&s.listen, &s.bootstrap)
        .wrap_err("bad mesh settings (--listen / --bootstrap)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_kinds_name_what_a_blob_is() {
        use aos_protocol::{AgentId, DagNode, messages::Message as _};
        let result = aos_protocol::messages::ResultBlob {
            task_id: format!("0x{}", "11".repeat(32)),
            spec_hash: format!("0x{}", "22".repeat(32)),
            worker: AgentId::from_bytes([7; 32]),
            executor: "local_llama".into(),
            model: None,
            output: "an answer".into(),
            timing: aos_protocol::messages::Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: None,
                output_tokens: None,
            },
        };
        assert_eq!(blob_kind(&result.to_json().unwrap()), "result");
        let spec = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/task-spec.json"
        ))
        .unwrap();
        assert_eq!(blob_kind(&spec), "task spec");
        let verdict = aos_protocol::messages::Verdict {
            task_id: format!("0x{}", "11".repeat(32)),
            spec_hash: format!("0x{}", "22".repeat(32)),
            result_hash: format!("0x{}", "33".repeat(32)),
            evaluator: AgentId::from_bytes([0; 32]),
            pass: true,
            score_bps: 10_000,
            checks: vec![],
            judge: None,
            signature: None,
        };
        assert_eq!(blob_kind(&verdict.to_json().unwrap()), "verdict");
        assert_eq!(
            blob_kind(br#"{"kind": "verdict", "pass": false}"#),
            "verdict"
        );
        assert_eq!(blob_kind(br#"{"type": "reply"}"#), "reply");
        assert_eq!(blob_kind(br#"{"kind": "a\nb"}"#), "JSON");
        assert_eq!(blob_kind(br#"{"kind": 3}"#), "JSON");
        assert_eq!(blob_kind(b"[1, 2]"), "JSON");
        let node = DagNode::new("delegation-chain", vec![], vec![1, 2]).unwrap();
        assert_eq!(
            blob_kind(&node.encode().unwrap()),
            "dag node delegation-chain"
        );
        assert_eq!(blob_kind("the result is wrong".as_bytes()), "text");
        assert_eq!(blob_kind(&[0xff, 0xfe, 0x00]), "binary");
    }

    #[test]
    fn the_listen_setting_reaches_the_mesh_node() {
        let mut s = Settings::default();
        let default = mesh_config(&s, 31337, "/tmp/b").unwrap();
        assert_eq!(default.listen, MeshConfig::new(31337, "/tmp/b").listen);
        s.listen = vec![
            "/ip4/0.0.0.0/tcp/4001".into(),
            "/ip4/127.0.0.1/tcp/0".into(),
        ];
        let cfg = mesh_config(&s, 31337, "/tmp/b").unwrap();
        assert_eq!(
            cfg.listen,
            vec![
                "/ip4/0.0.0.0/tcp/4001"
                    .parse::<aos_mesh::Multiaddr>()
                    .unwrap(),
                "/ip4/127.0.0.1/tcp/0".parse().unwrap()
            ]
        );
    }

    #[test]
    fn a_listen_address_that_is_no_multiaddr_is_named() {
        let s = Settings {
            listen: vec!["0.0.0.0:4001".into()],
            ..Settings::default()
        };
        let e = mesh_config(&s, 1, "/tmp/b").unwrap_err();
        assert!(
            format!("{e:#}").contains("listen address \"0.0.0.0:4001\""),
            "{e:#}"
        );
    }
}
