//! `aos-worker register`.

use aos_mesh::BlobStore;
use eyre::{Context, Result};

use super::run::open_identity;
use crate::config::WorkerConfig;
use crate::register::{Manifest, register};

pub(super) async fn run(cfg: WorkerConfig) -> Result<()> {
    let (contracts, account, key) = open_identity(&cfg)?;
    let manifest = Manifest::of(&cfg, &key);
    let blobs = BlobStore::open(cfg.data_dir.join("blobs"), 8 << 20)?;
    blobs.put(&manifest.to_bytes()).await?;
    let (id, out) = register(&contracts, account, &key, &manifest)
        .await
        .wrap_err("registration failed")?;
    println!(
        "registered {account} as agent {} with manifest {id} (tx {}, gas {})",
        key.agent_id(),
        out.tx_hash,
        out.gas_used
    );
    Ok(())
}
