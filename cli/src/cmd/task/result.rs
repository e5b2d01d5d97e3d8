//! `aos task result <id>`: what the worker answered, before the requester accepts or
//! rejects. The result hash comes from the task's `TaskSubmitted` event; the blob from the
//! blob folder, the cache, a gateway or the mesh ([`crate::blobs`]); the blob must hash
//! (BLAKE3) to the result hash, or it is refused.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use aos_chain::TaskStatus;
use aos_protocol::{
    ContentId,
    messages::{Message, ResultBlob},
};
use clap::Args;
use eyre::{Result, WrapErr, bail};
use serde_json::{Value, json};

use crate::{
    blobs::{self, FetchArgs},
    ctx::Ctx,
    ids::parse_b256,
};

/// `task result` examples.
pub(crate) const EXAMPLES: &str = "\
Examples:
  aos task result 0x3f9c…9a                     # the answer, checked against the chain
  aos --json task result 0x3f9c…9a              # answer, worker, model, where it came from
  aos task result 0x3f9c…9a --out answer.txt    # the answer into a file
  aos task result 0x3f9c…9a --gateway http://127.0.0.1:8080

Then: `aos task accept 0x3f9c…9a` pays the worker; `aos task reject 0x3f9c…9a --evidence
verdict.txt` disputes it, with why.";

/// `task result` arguments.
#[derive(Debug, Args)]
pub(crate) struct ResultArgs {
    /// Task id (0x + 64 hex digits).
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// Write the answer here instead of printing it (the whole blob when it is not a
    /// worker's result JSON).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    fetch: FetchArgs,
}

/// The answer in a result blob: a worker's [`ResultBlob`]'s `output` (aos-protocol's type,
/// the one every worker writes), else the bytes as text (a task posted by another client may
/// name any blob as its result).
fn answer(bytes: &[u8]) -> (Option<ResultBlob>, String) {
    match ResultBlob::from_json(bytes) {
        Ok(r) => {
            let text = r.output.clone();
            (Some(r), text)
        }
        Err(_) => (None, String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// The result hash and worker of task `id`'s last `TaskSubmitted` event.
async fn submitted(ctx: &Ctx, id: B256) -> Result<(B256, Address)> {
    let c = ctx.reader().await?;
    let status = c
        .task_status(id)
        .await
        .wrap_err("cannot read the task's state")?;
    match status {
        TaskStatus::None => {
            bail!("no task {id:#x} on this deployment: check the id with `aos task list`")
        }
        TaskStatus::Open | TaskStatus::Claimed => bail!(
            "task {id:#x} has no result yet (it is {status:?}): `aos task show {id:#x}` follows \
             it; the worker submits before the completion deadline"
        ),
        TaskStatus::Cancelled | TaskStatus::Expired => {
            bail!("task {id:#x} has no result: it is {status:?} (no worker submitted one)")
        }
        _ => {}
    }
    let last = c
        .last_submission(id)
        .await
        .wrap_err("cannot read the task's TaskSubmitted events")?;
    match last {
        Some(found) => Ok(found),
        None => bail!(
            "task {id:#x} is {status:?} but no TaskSubmitted event was found since block {}",
            c.deployments().start_block
        ),
    }
}

/// Run `aos task result`.
pub(crate) async fn run(ctx: &Ctx, a: ResultArgs) -> Result<()> {
    let (hash, worker) = submitted(ctx, a.id).await?;
    let cid = ContentId(hash.0);
    let f = blobs::fetch(ctx, cid, &a.fetch.sources())
        .await
        .wrap_err_with(|| format!("cannot read the result of task {:#x}", a.id))?;
    let (blob, text) = answer(&f.bytes);
    if let Some(path) = &a.out {
        let bytes: &[u8] = if blob.is_some() {
            text.as_bytes()
        } else {
            &f.bytes
        };
        std::fs::write(path, bytes).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    let parsed: Option<Value> = serde_json::from_slice(&f.bytes).ok();
    let id = a.id;
    ctx.out.emit(
        &json!({
            "task_id": id, "result_hash": hash, "worker": worker, "verified": true,
            "source": f.source, "answer": text, "out": a.out,
            "agent": blob.as_ref().map(|b| b.worker.to_string()),
            "executor": blob.as_ref().map(|b| b.executor.clone()),
            "model": blob.as_ref().and_then(|b| b.model.clone()),
            "blob": parsed,
        }),
        || {
            let by = match blob.as_ref().and_then(|b| b.model.clone()) {
                Some(m) => format!("{worker} ({m})"),
                None => worker.to_string(),
            };
            let head = format!(
                "result of task {id:#x} by {by}\nresult hash {hash:#x} (BLAKE3 verified, from {})",
                f.source
            );
            let body = match &a.out {
                Some(p) => format!("answer written to {}", p.display()),
                None => text.trim_end().to_owned(),
            };
            format!(
                "{head}\n\n{body}\n\nnext: `aos task accept {id:#x}` pays the worker; `aos task \
                 reject {id:#x} --evidence <verdict file>` disputes it within the review window"
            )
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_of_a_worker_blob_is_its_output_and_other_blobs_are_text() {
        let blob = ResultBlob {
            task_id: format!("0x{}", "11".repeat(32)),
            spec_hash: format!("0x{}", "22".repeat(32)),
            worker: aos_protocol::AgentId::from_bytes([7; 32]),
            executor: "local_llama".into(),
            model: Some("m".into()),
            output: "42".into(),
            timing: aos_protocol::messages::Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: None,
                output_tokens: None,
            },
        };
        let (b, t) = answer(&blob.to_json().unwrap());
        assert_eq!(t, "42");
        assert_eq!(b.and_then(|b| b.model).as_deref(), Some("m"));
        let (b, t) = answer(b"plain answer");
        assert!(b.is_none());
        assert_eq!(t, "plain answer");
    }
}
