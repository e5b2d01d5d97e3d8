//! `aos blob put FILE`: publish a file (a task spec, evidence) on the blob gateway's folder
//! under its content id — `0x` + the BLAKE3 hash of its bytes, the id `specHash` and
//! `resultHash` carry on chain (DESIGN.md "Blobs"). Workers fetch specs they did not get
//! over the mesh from the gateway (`GET <gateway>/<id>`) and verify them against the id.
//! `aos blob get ID`: read one back from wherever it is ([`crate::blobs`]), verified.

use std::path::PathBuf;

use aos_protocol::ContentId;
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail};
use serde_json::json;

use crate::{
    blobs::{self, FetchArgs},
    ctx::Ctx,
};

/// Blob commands.
#[derive(Debug, Subcommand)]
pub(crate) enum BlobCmd {
    /// Copy FILE into the blob folder (`--blob-dir`, config `blob_dir`; `aos devnet up` sets
    /// it) as `<0x content id>` and print the id.
    #[command(after_help = "Examples:\n  SPEC=$(aos blob put spec.json)\n  \
                            aos --json blob put spec.json --blob-dir /srv/blobs")]
    Put(PutArgs),
    /// Fetch a blob by its id (blob folder, cache, --gateway, mesh), check that its bytes hash
    /// to the id (BLAKE3), print it or write it to --out.
    #[command(after_help = "Examples:\n  aos blob get 0x5be1…c2\n  \
                            aos blob get 0x5be1…c2 --out spec.json --gateway http://127.0.0.1:8080")]
    Get(GetArgs),
}

/// `blob get` arguments.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The blob's id: `0x` + 64 hex digits (or `blake3:` + 64 hex digits).
    #[arg(value_parser = parse_content_id)]
    id: ContentId,
    /// Write the bytes here instead of printing them.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    fetch: FetchArgs,
}

/// A content id as the user typed it.
pub(crate) fn parse_content_id(s: &str) -> Result<ContentId, String> {
    s.trim().parse().map_err(|_| {
        format!("{s:?} is not a blob id (0x followed by 64 hex digits, the BLAKE3 of the bytes)")
    })
}

/// `blob put` arguments.
#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// The file.
    file: PathBuf,
}

/// Run a blob command.
pub(crate) async fn run(ctx: &Ctx, cmd: BlobCmd) -> Result<()> {
    match cmd {
        BlobCmd::Get(a) => get(ctx, a).await,
        BlobCmd::Put(a) => {
            if ctx.s.blob_dir.is_none() {
                bail!(
                    "no blob folder: pass --blob-dir DIR (or AOS_BLOB_DIR, config `blob_dir`); \
                     `aos devnet up` writes one into .devnet/config.toml"
                );
            }
            let bytes = blobs::read_blob_file(&a.file)
                .wrap_err_with(|| format!("cannot read {}", a.file.display()))?;
            let p = blobs::publish(ctx, &bytes).await?;
            ctx.out.emit(
                &json!({ "id": p.id.to_string(), "path": p.path, "bytes": bytes.len() }),
                || p.id.to_string(),
            );
            Ok(())
        }
    }
}

async fn get(ctx: &Ctx, a: GetArgs) -> Result<()> {
    let f = blobs::fetch(ctx, a.id, &a.fetch.sources()).await?;
    if let Some(path) = &a.out {
        std::fs::write(path, &f.bytes)
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    let text = std::str::from_utf8(&f.bytes).ok();
    ctx.out.emit(
        &json!({
            "id": a.id.to_string(), "bytes": f.bytes.len(), "source": f.source, "verified": true,
            "out": a.out, "text": if a.out.is_none() { text } else { None },
        }),
        || match (&a.out, text) {
            (Some(p), _) => format!(
                "blob {} ({} bytes, BLAKE3 verified, from {}) written to {}",
                a.id,
                f.bytes.len(),
                f.source,
                p.display()
            ),
            (None, Some(t)) => t.trim_end().to_owned(),
            (None, None) => format!(
                "blob {} is {} bytes of binary data (BLAKE3 verified): pass --out FILE",
                a.id,
                f.bytes.len()
            ),
        },
    );
    Ok(())
}
