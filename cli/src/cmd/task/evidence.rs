//! Evidence about a task (ERC-1497 style, `ITaskMarket.Evidence`): a blob whose BLAKE3 id goes
//! on chain with `aos task reject --evidence` (the requester's verdict) and `aos task evidence`
//! (either party, while the task is Submitted or Disputed); and the evidence list of
//! `aos task show`, each piece with its party's role and agent and, when the blob can be read
//! here, its kind.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use aos_chain::AosContracts;
use aos_protocol::ContentId;
use eyre::{Result, WrapErr, bail};
use serde::Serialize;
use serde_json::json;

use crate::{
    blobs::{self, Sources},
    ctx::Ctx,
    logs::task_terms,
    review,
    tx::send,
};

/// Evidence as the person gave it: a file to publish, or the id of a published blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EvidenceArg {
    /// A file: published as a blob (`aos blob put`), its BLAKE3 id goes on chain.
    File(PathBuf),
    /// A blob id (`0x` + 64 hex digits or `blake3:` + 64 hex digits), not zero.
    Id(ContentId),
}

/// Parse `--evidence` / the evidence argument: an existing file wins over an id-shaped name;
/// else a blob id; else a file path (its absence is reported when it is read).
///
/// # Errors
/// The zero id (it names no blob; the market refuses it: `TaskMarketEmptyEvidence`).
pub(crate) fn parse_evidence(s: &str) -> Result<EvidenceArg, String> {
    let path = PathBuf::from(s);
    if path.exists() {
        return Ok(EvidenceArg::File(path));
    }
    match s.trim().parse::<ContentId>() {
        Ok(id) if id == ContentId::default() => Err(format!(
            "{s:?} is the zero id, which names no blob: pass a file or the id of a published \
             blob"
        )),
        Ok(id) => Ok(EvidenceArg::Id(id)),
        Err(_) => Ok(EvidenceArg::File(path)),
    }
}

/// The blob id of `arg`, publishing a file first ([`publish`]).
/// Touches no chain: a typo costs nothing.
///
/// # Errors
/// A file that cannot be read, is empty or larger than a blob may be, or cannot be published.
pub(super) async fn resolve(ctx: &Ctx, arg: &EvidenceArg) -> Result<ContentId> {
    match arg {
        EvidenceArg::Id(id) => {
            ctx.out.detail(format!(
                "  evidence {id}: given as an id; jurors must be able to fetch that blob"
            ));
            Ok(*id)
        }
        EvidenceArg::File(path) => {
            let bytes = blobs::read_blob_file(path).wrap_err_with(|| {
                format!(
                    "cannot read the evidence file {} (pass a file, or a blob id: 0x + 64 hex \
                     digits)",
                    path.display()
                )
            })?;
            if bytes.is_empty() {
                bail!(
                    "the evidence file {} is empty: evidence says why",
                    path.display()
                );
            }
            publish(ctx, &bytes, &format!("`aos blob put {}`", path.display())).await
        }
    }
}

/// Publish evidence `bytes` as a blob ([`blobs::publish`]: the blob folder, or this machine's
/// cache without one, which a note says, naming `put_later`: how to publish it for the
/// jurors). Returns its id.
///
/// # Errors
/// Larger than a blob may be, or the blob folder cannot be written.
pub(super) async fn publish(ctx: &Ctx, bytes: &[u8], put_later: &str) -> Result<ContentId> {
    let p = blobs::publish(ctx, bytes)
        .await
        .wrap_err("cannot publish the evidence")?;
    match &p.path {
        Some(at) => ctx
            .out
            .detail(format!("  evidence published as {}", at.display())),
        None => ctx.out.note(format!(
            "evidence {} is only in this machine's cache: no blob folder is set (--blob-dir, \
             config `blob_dir`), so jurors cannot fetch it until it is published \
             ({put_later})",
            p.id
        )),
    }
    Ok(p.id)
}

/// `aos task evidence <id> <file|blob id>`: put evidence on record (`submitEvidence`).
pub(super) async fn submit(ctx: &Ctx, id: B256, arg: EvidenceArg) -> Result<()> {
    let evidence = resolve(ctx, &arg).await?;
    let (c, me) = ctx.writer().await?;
    let p = task_terms(&c, id).await?.params;
    let short = format!("{id:#x}");
    let o = send(
        &ctx.out,
        &format!("evidence {evidence} for {}…", &short[..10]),
        c.submit_evidence(&p, evidence),
    )
    .await?;
    let status = c.task_status(id).await?;
    ctx.out.emit(
        &json!({
            "task_id": id,
            "action": "evidence",
            "party": me,
            "evidence": evidence.to_string(),
            "tx": o.tx_hash,
            "block": o.block_number,
            "gas_used": o.gas_used,
            "status": status.to_string(),
        }),
        || format!("evidence {evidence} is on record for task {id:#x} ({status})"),
    );
    Ok(())
}

/// One piece of evidence as `aos task show` prints it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ShownEvidence {
    /// Who put it on record.
    pub(super) party: Address,
    /// `requester` or `worker` of this task (`other` should never be seen: the market
    /// refuses anyone else).
    pub(super) role: &'static str,
    /// The party's agent id in the AgentRegistry, when registered.
    pub(super) agent: Option<String>,
    /// The blob id.
    pub(super) evidence: String,
    /// What the blob is ([`blobs::blob_kind`]); `None` when it cannot be read here.
    pub(super) kind: Option<String>,
    /// Block of the `Evidence` log.
    pub(super) block_number: u64,
    /// Its transaction.
    pub(super) tx_hash: Option<B256>,
    /// Its index in the block.
    pub(super) log_index: u64,
}

/// The task's evidence in chain order, each with its party's role and agent, and the blob's
/// kind when the blob folder, the cache or `gateway` has it (not the mesh: `show` stays quick;
/// `aos blob get <id>` looks there too). The records come from [`review::evidence_of`].
///
/// # Errors
/// The chain cannot be read.
pub(super) async fn shown(
    ctx: &Ctx,
    c: &AosContracts,
    id: B256,
    requester: Address,
    worker: Address,
    gateway: Option<String>,
) -> Result<Vec<ShownEvidence>> {
    let sources = Sources {
        gateway,
        mesh_timeout: None,
    };
    let list = review::evidence_of(ctx, c, id, requester, worker, &sources).await?;
    Ok(list
        .into_iter()
        .map(|e| {
            let kind = match &e.blob {
                Ok(bytes) => Some(blobs::blob_kind(bytes)),
                Err(err) => {
                    tracing::debug!(evidence = %e.record.evidence, %err, "evidence blob not readable here");
                    None
                }
            };
            ShownEvidence {
                party: e.record.party,
                role: e.role.as_str(),
                agent: e.agent.map(|a| a.to_string()),
                evidence: e.record.evidence.to_string(),
                kind,
                block_number: e.record.block_number,
                tx_hash: e.record.tx_hash,
                log_index: e.record.log_index,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_a_file_or_a_nonzero_blob_id() {
        let id = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            parse_evidence(&id),
            Ok(EvidenceArg::Id(id.parse().unwrap()))
        );
        let b3 = format!("blake3:{}", "cd".repeat(32));
        assert_eq!(
            parse_evidence(&b3),
            Ok(EvidenceArg::Id(b3.parse().unwrap()))
        );
        let zero = format!("0x{}", "0".repeat(64));
        let e = parse_evidence(&zero).unwrap_err();
        assert!(e.contains("zero id"), "{e}");
        assert_eq!(
            parse_evidence("verdict.json"),
            Ok(EvidenceArg::File("verdict.json".into()))
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("verdict.json");
        std::fs::write(&f, b"{}").unwrap();
        assert_eq!(
            parse_evidence(f.to_str().unwrap()),
            Ok(EvidenceArg::File(f))
        );
    }
}
