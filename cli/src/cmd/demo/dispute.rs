//! Phase 4: a task the requester rejects. A jury is drawn; each juror checks the evidence
//! (the result blob, fetched over the mesh, against the hash on chain) and votes by
//! commit–reveal; the ruling executes; stakes and fees move and everyone withdraws.

use std::{path::Path, time::Duration};

use alloy::primitives::{Address, B256, U256};
use aos_chain::{Ruling, TaskStatus};
use aos_protocol::{ContentId, Message as _, messages::ResultBlob};
use eyre::{Result, eyre};

use super::scene::{Demo, say, short};
use crate::{
    blobs::{self, Sources},
    ctx::Ctx,
    devnet_file::Account,
};

/// How long a juror waits for a mesh peer to serve the result blob.
const REVIEW_MESH_TIMEOUT: Duration = Duration::from_secs(45);

/// One juror's vote and why.
pub(super) struct Vote {
    /// The juror.
    pub(super) juror: Account,
    /// 1 requester wins, 2 worker wins.
    pub(super) choice: u8,
    /// The juror's reason.
    pub(super) why: String,
}

/// The disputed task and how the dispute ended.
pub(super) struct Disputed {
    /// The dispute id.
    pub(super) dispute_id: u64,
    /// The task id as `aos task post` printed it.
    pub(super) task_id: String,
    /// The worker that submitted.
    pub(super) worker: Address,
    /// The result hash it submitted.
    pub(super) result_hash: B256,
    /// The jurors' votes.
    pub(super) votes: Vec<Vote>,
    /// The ruling (0 refused, 1 requester wins, 2 worker wins).
    pub(super) ruling: u64,
    /// The task's status at the end.
    pub(super) task_status: TaskStatus,
}

/// A task waiting for the requester's review.
struct Submitted {
    tid: String,
    id: B256,
    worker: Address,
    result_hash: B256,
}

/// Run the dispute phase as `req`, with the devnet's `workers` and `jurors`.
pub(super) async fn run(
    demo: &Demo<'_>,
    req: &Account,
    workers: &[Account],
    jurors: &[Account],
    file: &Path,
) -> Result<Disputed> {
    say(
        demo.ctx,
        "== 4. a rejected task: jury drawn, commit–reveal, ruling executed",
    );
    let t = post_and_wait(demo, req, file).await?;
    let verdict = demo.dir.join(format!("verdict-{:#x}.txt", t.id));
    std::fs::write(
        &verdict,
        format!(
            "The requester disputes result {:#x} of task {} so that a jury reviews it.\n",
            t.result_hash, t.tid
        ),
    )?;
    let dispute_id = reject(demo, req, &t.tid, &verdict)?;
    let spare = jurors
        .first()
        .ok_or_else(|| eyre!("the devnet has no jurors"))?;
    let seated = draw(demo, spare, dispute_id)?;
    let votes = vote(demo, jurors, &seated, dispute_id, t.result_hash).await?;
    let ruling = rule(demo, spare, dispute_id).await?;
    settle(demo, spare, &votes, &t.tid, dispute_id)?;
    withdraw_parties(demo, workers, req, t.worker).await?;
    say(
        demo.ctx,
        "   ✓ ruling executed, seats settled; jurors and parties withdrew",
    );
    Ok(Disputed {
        dispute_id,
        task_id: t.tid,
        worker: t.worker,
        result_hash: t.result_hash,
        votes,
        ruling,
        task_status: demo.reader.task_status(t.id).await?,
    })
}

/// Post a task with `aos task post` and wait for a worker's result.
async fn post_and_wait(demo: &Demo<'_>, req: &Account, file: &Path) -> Result<Submitted> {
    let spec = demo.spec_file(
        "severity",
        &format!(
            "Rate the severity of this incident (low, medium or high) and justify it in one sentence.\n\n{}",
            std::fs::read_to_string(file)?
        ),
    )?;
    let posted = demo.aos(
        req,
        &[
            "task",
            "post",
            "--payment",
            "0.01eth",
            "--domain",
            &demo.net.juror_domain,
            "--spec",
            &spec.display().to_string(),
        ],
    )?;
    let tid = posted["task_id"]
        .as_str()
        .ok_or_else(|| eyre!("task post printed no task_id"))?
        .to_owned();
    let id: B256 = tid.parse()?;
    say(
        demo.ctx,
        format!("   ✓ requester posted task {}", short(&tid)),
    );
    demo.wait_status(
        id,
        &[TaskStatus::Submitted],
        "waiting for a worker to claim, run and submit",
    )
    .await?;
    let worker = demo.reader.task_state(id).await?.worker;
    demo.indexer_caught_up().await?;
    let t = demo.indexer()?.task(id).await?.task;
    let result_hash: B256 = t
        .result_hash
        .ok_or_else(|| eyre!("the indexer's task {tid} has no resultHash: {t:?}"))?;
    say(
        demo.ctx,
        format!(
            "   ✓ {} submitted result {}",
            demo.role_of(worker),
            short(&format!("{result_hash:#x}"))
        ),
    );
    Ok(Submitted {
        tid,
        id,
        worker,
        result_hash,
    })
}

/// `aos task reject --evidence <file>`: the dispute id.
fn reject(demo: &Demo<'_>, req: &Account, tid: &str, evidence: &Path) -> Result<u64> {
    let evidence = evidence.display().to_string();
    let r = demo.aos(req, &["task", "reject", tid, "--evidence", &evidence])?;
    let dispute: u64 = r["dispute_id"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| eyre!("task reject printed no dispute_id"))?;
    say(
        demo.ctx,
        format!("   ✓ requester rejected it (arbitration fee paid): dispute {dispute}"),
    );
    Ok(dispute)
}

/// `aos dispute draw` as `spare`: the seated jurors.
fn draw(demo: &Demo<'_>, spare: &Account, dispute: u64) -> Result<Vec<Address>> {
    let drawn = demo.aos(spare, &["dispute", "draw", &dispute.to_string()])?;
    let seated: Vec<Address> = drawn["drawn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j.as_str()?.parse().ok())
        .collect();
    say(
        demo.ctx,
        format!(
            "   ✓ jury drawn: {}",
            seated
                .iter()
                .map(|j| demo.role_of(*j))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    Ok(seated)
}

/// Each seated juror reviews the evidence and commits a vote; then all reveal.
async fn vote(
    demo: &Demo<'_>,
    jurors: &[Account],
    seated: &[Address],
    dispute: u64,
    result_hash: B256,
) -> Result<Vec<Vote>> {
    let mut votes = Vec::new();
    for j in seated {
        let acct = jurors
            .iter()
            .find(|x| x.address == *j)
            .ok_or_else(|| eyre!("juror {j} is not a devnet account"))?;
        let (choice, why) = review(demo, result_hash).await;
        say(
            demo.ctx,
            format!(
                "   {} reviews the evidence: {why} → votes {choice}",
                demo.role_of(*j)
            ),
        );
        let (id, choice_s) = (dispute.to_string(), choice.to_string());
        demo.aos(acct, &["juror", "commit", &id, "--choice", &choice_s])?;
        votes.push(Vote {
            juror: acct.clone(),
            choice,
            why,
        });
    }
    say(demo.ctx, "   ✓ every juror committed");
    for v in &votes {
        demo.aos(&v.juror, &["juror", "reveal", &dispute.to_string()])?;
    }
    say(demo.ctx, "   ✓ every juror revealed");
    Ok(votes)
}

/// Warp past the appeal window and advance the dispute: its ruling.
async fn rule(demo: &Demo<'_>, spare: &Account, dispute: u64) -> Result<u64> {
    let d = demo.reader.dispute(dispute).await?;
    let now = demo.reader.chain_time().await?;
    let deadline: u64 = d.deadline.to::<u64>();
    let by = format!("{}s", deadline.saturating_sub(now) + 1);
    demo.aos(spare, &["devnet", "warp", &by])?;
    let adv = demo.aos(spare, &["dispute", "advance", &dispute.to_string()])?;
    let ruling = adv["ruling"].as_u64().unwrap_or_default();
    let meaning = match u8::try_from(ruling).ok().and_then(Ruling::from_u8) {
        Some(Ruling::ForRequester) => "requester wins",
        Some(Ruling::ForWorker) => "worker wins",
        _ => "refused",
    };
    say(
        demo.ctx,
        format!("   ✓ appeal window over: ruling {ruling} ({meaning})"),
    );
    Ok(ruling)
}

/// Execute the ruling on the task, settle the seats, and let the jurors withdraw.
fn settle(demo: &Demo<'_>, spare: &Account, votes: &[Vote], tid: &str, dispute: u64) -> Result<()> {
    demo.aos(spare, &["task", "execute-ruling", tid])?;
    demo.aos(spare, &["dispute", "settle", &dispute.to_string()])?;
    for v in votes {
        demo.aos(&v.juror, &["juror", "withdraw"])?;
    }
    Ok(())
}

/// The parties withdraw what the ruling gave them (payment and stake, or the refund).
async fn withdraw_parties(
    demo: &Demo<'_>,
    workers: &[Account],
    req: &Account,
    worker: Address,
) -> Result<()> {
    for party in workers
        .iter()
        .filter(|x| x.address == worker)
        .chain(std::iter::once(req))
    {
        if demo
            .reader
            .market_balance(party.address, Address::ZERO)
            .await?
            > U256::ZERO
        {
            demo.aos(party, &["worker", "withdraw"])?;
        }
    }
    Ok(())
}

/// The juror's check of a disputed task: the result blob, fetched over the mesh, must hash
/// to the `resultHash` on chain and hold a non-empty answer. Returns (choice, why): 2
/// (worker wins) when it does, 1 (requester wins) otherwise.
async fn review(demo: &Demo<'_>, result_hash: B256) -> (u8, String) {
    match fetch_over_mesh(demo, ContentId(result_hash.0)).await {
        Ok(b) => match ResultBlob::from_json(&b) {
            Ok(v) if !v.output.trim().is_empty() => (
                2,
                format!(
                    "result blob {} ({} bytes) matches the hash on chain and answers: \"{}…\"",
                    short(&format!("{result_hash:#x}")),
                    b.len(),
                    v.output
                        .chars()
                        .take(60)
                        .collect::<String>()
                        .replace('\n', " ")
                ),
            ),
            _ => (1, "the result blob holds no answer".into()),
        },
        Err(e) => (1, format!("the result blob is unavailable: {e:#}")),
    }
}

/// Blob `id` from the devnet's mesh (its workers serve their results), verified, through
/// [`blobs::fetch`] with a fresh, empty cache so the copy comes from a peer.
async fn fetch_over_mesh(demo: &Demo<'_>, id: ContentId) -> Result<Vec<u8>> {
    let tmp = tempfile::tempdir()?;
    let mut s = demo.ctx.s.clone();
    s.rpc = demo.net.rpc_url.clone();
    s.bootstrap = demo.net.bootstrap.clone();
    s.blob_dir = None;
    s.data_dir = tmp.path().to_owned();
    let ctx = Ctx {
        s,
        out: demo.ctx.out,
    };
    let sources = Sources {
        gateway: None,
        mesh_timeout: Some(REVIEW_MESH_TIMEOUT),
    };
    Ok(blobs::fetch(&ctx, id, &sources).await?.bytes)
}
