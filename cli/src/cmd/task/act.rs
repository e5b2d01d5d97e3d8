//! The task calls that take only the id (claim, submit, accept, reject, cancel, finalize,
//! expire, execute-ruling), and what the call adds (submit's result file, reject's evidence):
//! the terms come from the task's `TaskPosted` event.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use aos_chain::stake_of;
use aos_protocol::ContentId;
use eyre::{Result, WrapErr};
use serde_json::json;

use super::evidence::EvidenceArg;
use crate::{
    ctx::Ctx,
    logs::task_terms,
    tx::{ensure_allowance, send},
    units::fmt_asset,
};

#[derive(Debug)]
pub(super) enum Action {
    Claim,
    Submit(PathBuf),
    Accept,
    Reject(EvidenceArg),
    Cancel,
    Finalize,
    Expire,
    ExecuteRuling,
}

/// Run `action` on task `id` and print the outcome (the `aos task <action>` commands).
pub(super) async fn act(ctx: &Ctx, id: B256, action: Action) -> Result<()> {
    let doc = perform(ctx, id, action).await?;
    let status = doc["status"].as_str().unwrap_or_default().to_owned();
    ctx.out
        .emit(&doc, || format!("task {id:#x} is now {status}"));
    Ok(())
}

/// Run `action` on task `id` (progress notes on stderr) and return what happened as JSON:
/// `{task_id, action, tx, block, gas_used, status}` and what the call adds (`stake`,
/// `result_hash`, `dispute_id` and `evidence`). `aos task review` runs its accept and reject
/// through here and prints them in its own output.
///
/// # Errors
/// The file or evidence cannot be read or published, no such task, the account or the RPC
/// fails, the transaction reverts.
pub(super) async fn perform(ctx: &Ctx, id: B256, action: Action) -> Result<serde_json::Value> {
    // Read the result file, publish the evidence, before touching the chain: a typo costs
    // nothing.
    let result = match &action {
        Action::Submit(path) => {
            let bytes = std::fs::read(path)
                .wrap_err_with(|| format!("cannot read the result file {}", path.display()))?;
            Some(ContentId::of(&bytes))
        }
        Action::Reject(arg) => Some(super::evidence::resolve(ctx, arg).await?),
        _ => None,
    };
    let (c, me) = ctx.writer().await?;
    let p = task_terms(&c, id).await?.params;
    let short = format!("{:#x}", id);
    let short = &short[..10];
    let mut extra = json!({});
    let (name, o) = match action {
        Action::Claim => {
            let stake = stake_of(&p);
            if p.asset != Address::ZERO {
                ensure_allowance(ctx, &c, me, p.asset, c.deployments().task_market, stake).await?;
            }
            extra = json!({ "stake": stake.to_string() });
            let label = format!("claim {short}… (stake {})", fmt_asset(p.asset, stake));
            (
                "claim",
                send(&ctx.out, &label, c.claim(&p)).await?.map_unit(),
            )
        }
        Action::Submit(_) => {
            let rid = result.unwrap_or_default();
            extra = json!({ "result_hash": B256::from(rid.0) });
            let label = format!("submit {short}… (result {rid})");
            (
                "submit",
                send(&ctx.out, &label, c.submit(id, B256::from(rid.0)))
                    .await?
                    .map_unit(),
            )
        }
        Action::Accept => (
            "accept",
            send(&ctx.out, &format!("accept {short}…"), c.accept(&p))
                .await?
                .map_unit(),
        ),
        Action::Reject(_) => {
            let verdict = result.unwrap_or_default();
            let o = send(
                &ctx.out,
                &format!("reject {short}… (opens a dispute; evidence {verdict})"),
                c.reject(&p, verdict),
            )
            .await?;
            extra = json!({
                "dispute_id": o.value.to_string(),
                "evidence": verdict.to_string(),
            });
            ctx.out.note(format!(
                "dispute {} opened: `aos dispute draw {}` seats the jury",
                o.value, o.value
            ));
            ("reject", o.map_unit())
        }
        Action::Cancel => (
            "cancel",
            send(&ctx.out, &format!("cancel {short}…"), c.cancel(&p))
                .await?
                .map_unit(),
        ),
        Action::Finalize => (
            "finalize",
            send(&ctx.out, &format!("finalize {short}…"), c.finalize(&p))
                .await?
                .map_unit(),
        ),
        Action::Expire => (
            "expire",
            send(&ctx.out, &format!("expire {short}…"), c.expire(&p))
                .await?
                .map_unit(),
        ),
        Action::ExecuteRuling => (
            "execute-ruling",
            send(
                &ctx.out,
                &format!("execute ruling on {short}…"),
                c.execute_ruling(&p),
            )
            .await?
            .map_unit(),
        ),
    };
    let status = c.task_status(id).await?;
    let mut doc = json!({
        "task_id": id,
        "action": name,
        "tx": o.0,
        "block": o.1,
        "gas_used": o.2,
        "status": status.to_string(),
    });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    Ok(doc)
}

/// (tx hash, block, gas) of an outcome, whatever its value.
trait MapUnit {
    fn map_unit(&self) -> (B256, u64, u64);
}

impl<T> MapUnit for aos_chain::TxOutcome<T> {
    fn map_unit(&self) -> (B256, u64, u64) {
        (self.tx_hash, self.block_number, self.gas_used)
    }
}
