//! `aos blob put FILE`: publish a file (a task spec, evidence) on the blob gateway's folder
//! under its content id — `0x` + the BLAKE3 hash of its bytes, the id `specHash` and
//! `resultHash` carry on chain (DESIGN.md "Blobs"). Workers fetch specs they did not get
//! over the mesh from the gateway (`GET <gateway>/<id>`) and verify them against the id.

use std::path::PathBuf;

use aos_protocol::ContentId;
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail};
use serde_json::json;

use crate::ctx::Ctx;

/// Blob commands.
#[derive(Debug, Subcommand)]
pub(crate) enum BlobCmd {
    /// Copy FILE into the blob folder (`--blob-dir`, config `blob_dir`; `aos devnet up` sets
    /// it) as `<0x content id>` and print the id.
    #[command(after_help = "Examples:\n  SPEC=$(aos blob put spec.json)\n  \
                            aos --json blob put spec.json --blob-dir /srv/blobs")]
    Put(PutArgs),
}

/// `blob put` arguments.
#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// The file.
    file: PathBuf,
}

/// Run a blob command.
pub(crate) fn run(ctx: &Ctx, cmd: BlobCmd) -> Result<()> {
    match cmd {
        BlobCmd::Put(a) => {
            let bytes = std::fs::read(&a.file)
                .wrap_err_with(|| format!("cannot read {}", a.file.display()))?;
            let Some(dir) = &ctx.s.blob_dir else {
                bail!(
                    "no blob folder: pass --blob-dir DIR (or AOS_BLOB_DIR, config `blob_dir`); \
                     `aos devnet up` writes one into .devnet/config.toml"
                );
            };
            let id = ContentId::of(&bytes);
            let path = dir.join(id.to_string());
            std::fs::write(&path, &bytes)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            ctx.out.emit(
                &json!({ "id": id.to_string(), "path": path, "bytes": bytes.len() }),
                || id.to_string(),
            );
            Ok(())
        }
    }
}
