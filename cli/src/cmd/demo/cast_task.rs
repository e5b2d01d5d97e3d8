//! Phase 3: a task posted by plain `cast send` against the published ABI (spec published on
//! the blob gateway, with the plan's follow-ups acceptance criteria) is taken and run like
//! any other; the requester reviews it with `aos task review --policy auto`: paid when it
//! passes, rejected with the verdict as evidence when it fails (the jury then rules).

use std::{
    path::Path,
    process::{Command, Stdio},
};

use alloy::primitives::{Address, B256, FixedBytes};
use aos_chain::TaskStatus;
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::Value;

use super::scene::{Demo, say};
use crate::devnet_file::Account;

/// `ITaskMarket.TaskParams` as a cast tuple type.
const TASK_PARAMS_TUPLE: &str = "(address,address,uint128,uint16,uint16,uint40,uint40,uint32,uint8,uint64,uint64,bytes32,bytes32,bytes32,uint96)";

/// The cast-posted task and who did it.
pub(super) struct CastTask {
    /// Its id.
    pub(super) task_id: B256,
    /// The worker that claimed it.
    pub(super) worker: Address,
    /// The requester's verdict (JSON).
    pub(super) verdict: Value,
    /// The dispute its rejection opened, when it failed.
    pub(super) dispute: Option<u64>,
}

/// Post a task with `cast send` as `req`, wait for a worker's result, review it (accept on
/// pass and wait for the worker to withdraw; reject on fail).
pub(super) async fn run(
    demo: &Demo<'_>,
    req: &Account,
    file: &Path,
    plan: &Path,
) -> Result<CastTask> {
    let ctx = demo.ctx;
    say(
        ctx,
        "== 3. a task posted by plain `cast send` against the published ABI",
    );
    let steps = demo.checked_steps(plan)?;
    let step = &steps[steps.len() - 1];
    let spec = demo.spec_file(
        "followups",
        &format!("{}\n\n{}", step.description, std::fs::read_to_string(file)?),
        step.acceptance.clone(),
        &[],
    )?;
    let put = demo.aos(req, &["blob", "put", &spec.display().to_string()])?;
    let spec_id = put["id"]
        .as_str()
        .ok_or_else(|| eyre!("aos blob put printed no id"))?
        .to_owned();
    let task_id = cast_post(demo, req, &spec_id).await?;
    say(ctx, format!("   ✓ posted task {task_id:#x}"));
    demo.wait_status(
        task_id,
        &[TaskStatus::Submitted],
        "waiting for a worker to claim, run and submit the cast-posted task",
    )
    .await?;
    let worker = demo.reader.task_state(task_id).await?.worker;
    say(
        ctx,
        format!("   ✓ {} claimed and submitted", demo.role_of(worker)),
    );
    let r = demo.aos(
        req,
        &[
            "task",
            "review",
            &format!("{task_id:#x}"),
            "--policy",
            "auto",
        ],
    )?;
    let verdict = r["verdict"].clone();
    super::dispute::print_verdict(demo, "requester's verdict", &verdict);
    let dispute = match r["action"].as_str() {
        Some("accepted") => {
            say(
                ctx,
                "   ✓ requester accepted: payment and stake to the worker, who withdraws",
            );
            demo.wait_withdrawn(worker).await?;
            None
        }
        Some("rejected") => {
            let d = super::dispute::dispute_id(&r["dispute_id"])
                .ok_or_else(|| eyre!("task review printed no dispute_id: {r}"))?;
            say(
                ctx,
                format!(
                    "   ✗ requester rejected it with the verdict as evidence: dispute {d}; the jury rules now"
                ),
            );
            Some(d)
        }
        other => bail!("task review under policy auto neither accepted nor rejected: {other:?}"),
    };
    Ok(CastTask {
        task_id,
        worker,
        verdict,
        dispute,
    })
}

/// `cast send … postTask(<tuple>)` with the requester's key; the posted task's id.
async fn cast_post(demo: &Demo<'_>, req: &Account, spec_id: &str) -> Result<B256> {
    // the latest block's time, or the clock when no block was mined for a while (anvil
    // stamps the next block with the clock)
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let now = demo.reader.chain_time().await?.max(wall);
    let fee = demo.reader.fee_bps().await?;
    let tuple = format!(
        "({},0x0000000000000000000000000000000000000000,10000000000000000,1000,{fee},{},{},3600,0,0,0,{},{spec_id},0x{},{})",
        req.address,
        now + 600,
        now + 2400,
        FixedBytes::<32>::right_padding_from(demo.net.juror_domain.as_bytes()),
        "0".repeat(64),
        now
    );
    let cast = aos_chain::devnet::tool(&demo.root, "cast")?;
    let sig = format!("postTask({TASK_PARAMS_TUPLE})");
    say(
        demo.ctx,
        format!(
            "   cast send {} '{sig}' '{tuple}' --value 0.01ether --private-key $REQUESTER_KEY --rpc-url {}",
            demo.net.deployments.task_market, demo.net.rpc_url
        ),
    );
    let o = Command::new(&cast)
        .args([
            "send",
            "--json",
            "--rpc-url",
            &demo.net.rpc_url,
            "--private-key",
            &req.private_key,
        ])
        .arg(demo.net.deployments.task_market.to_string())
        .arg(&sig)
        .arg(&tuple)
        .args(["--value", "0.01ether"])
        .stderr(Stdio::inherit())
        .output()
        .wrap_err("cannot run cast")?;
    if !o.status.success() {
        bail!("cast send postTask failed");
    }
    let receipt: Value =
        serde_json::from_slice(&o.stdout).wrap_err("cast printed no JSON receipt")?;
    posted_id(&receipt, demo.net.deployments.task_market)
}

/// The task id (first indexed topic) of the market's log in a cast JSON receipt.
fn posted_id(receipt: &Value, market: Address) -> Result<B256> {
    receipt["logs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| {
            l["address"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&market.to_string()))
        })
        .and_then(|l| l["topics"][1].as_str())
        .ok_or_else(|| eyre!("the cast receipt has no TaskPosted log"))?
        .parse::<B256>()
        .wrap_err("the cast receipt's task id is not 32 bytes")
}
