//! `aos ask "…"`: one request through the coordinator (crate aos-coordinator): planned with
//! the local model, routed (white paper §4.2), delegated (§4.3) — by default every public
//! step as a paid on-chain task taken by mesh workers — and aggregated (§4.4). `aos` runs the
//! `aos-coordinator` binary with the global settings (rpc, deployments, keystore, indexer,
//! bootstrap, model), so a devnet's config file is all it needs.
//!
//! A step is public (a paid task, its prompt stripped of PII) unless `--local`, or the
//! planner flags it private *and* the PII detector finds personal data in the request; the
//! plan printed says why each private step stays local. `--max-escrow` bounds what the
//! request escrows on chain, in the chain's asset. On a devnet the coordinator's state
//! (blobs, announcement nonce) lives in the devnet folder.

use eyre::{Result, WrapErr, bail};

pub(crate) use crate::coordinator::AskArgs;
use crate::{coordinator::coordinator_command, ctx::Ctx};

/// Run `aos ask`.
pub(crate) fn run(ctx: &Ctx, a: AskArgs) -> Result<()> {
    let mut cmd = coordinator_command(ctx, &a)?;
    let st = cmd.status().wrap_err("cannot run aos-coordinator")?;
    if !st.success() {
        bail!("aos-coordinator ask failed ({st}); its messages are above");
    }
    Ok(())
}
