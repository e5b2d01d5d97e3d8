//! The juror agent (`aos juror run`, issue 14): a long-running process for one juror
//! account that learns of its seats, judges each with the same evaluator as requesters and
//! workers, votes by commit–reveal with the salt stored before the commit, keeps the
//! court's periods moving, settles, withdraws and (by policy) funds appeals.
//!
//! It lives in the `aos` binary, not in `aos-worker`: a juror needs the review code
//! ([`crate::review`]: a task's spec, result and evidence loaded and evaluated) and the vote
//! code the `aos juror` commands already own, and nothing of a worker's (claiming,
//! executing, the mesh's task topic). Services never depend on each other (DESIGN.md).
//!
//! | module | what |
//! |---|---|
//! | `store` | SQLite: one row per seat (choice, salt, commitment, verdict, rewards) and the log cursor |
//! | `agent` | the loop: discover → keep (draw, advance) → judge → commit → reveal → settle → withdraw |
//! | `metrics` | Prometheus text at `/metrics` |

pub(crate) mod agent;
pub(crate) mod metrics;
pub(crate) mod store;

use std::path::PathBuf;

use alloy::primitives::Address;
use eyre::Result;

use crate::ctx::Ctx;

/// The juror store of `juror` on this data dir's chain and court:
/// `<data-dir>/jury/<chain id>-<court>/<juror>.sqlite`.
///
/// # Errors
/// No deployments, or the data dir cannot be created.
pub(crate) fn store_path(ctx: &Ctx, juror: Address) -> Result<PathBuf> {
    let d = ctx.deployments()?;
    let dir = ctx.data_path(&format!("jury/{}-{}", d.chain_id, d.dispute_court))?;
    Ok(dir.join(format!("{juror}.sqlite")))
}

/// Opens the juror store of `juror`.
///
/// # Errors
/// See [`store_path`] and [`store::JuryStore::open`].
pub(crate) async fn open_store(ctx: &Ctx, juror: Address) -> Result<store::JuryStore> {
    store::JuryStore::open(&store_path(ctx, juror)?).await
}
