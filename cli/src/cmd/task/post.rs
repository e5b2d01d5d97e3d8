//! `aos task post`: publish the spec's hash with the terms and escrow the payment.

use alloy::primitives::{Address, B256, U256};
use aos_chain::{TaskParams, TaskStatus, domain_to_bytes32};
use aos_protocol::ContentId;
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::json;

use crate::{
    ctx::Ctx,
    output::kv_table,
    tx::{ensure_allowance, send},
    units::fmt_asset,
};

use super::{
    PostArgs,
    terms::{terms_json, terms_rows},
};

/// What a requester does after posting task `id`: follow it, read the answer once a worker
/// submitted, then settle (the worker's side, claiming, is the worker's business).
pub(crate) fn after_post(id: B256) -> String {
    format!(
        "next: a worker claims and works it; follow it with `aos task show {id:#x}`, read the \
         answer once submitted with `aos task result {id:#x}`, then `aos task accept {id:#x}` \
         (pays) or `aos task reject {id:#x} --evidence <verdict file>` (disputes) within the \
         review window; nobody claimed it by the claim deadline? `aos task cancel {id:#x}`, \
         then `aos withdraw`"
    )
}

pub(super) async fn post(ctx: &Ctx, a: PostArgs) -> Result<()> {
    let spec = std::fs::read(&a.spec)
        .wrap_err_with(|| format!("cannot read the spec file {}", a.spec.display()))?;
    let spec_id = ContentId::of(&spec);
    let parsed =
        <aos_protocol::messages::TaskSpec as aos_protocol::messages::Message>::from_json(&spec);
    // acceptance criteria that cannot run on any output would make every result fail: the
    // worker would lose its stake for the requester's mistake (workers refuse such specs)
    if let Ok(s) = &parsed
        && let Some(acc) = &s.acceptance
        && let Err(e) = aos_verify::check_acceptance(acc)
    {
        bail!(
            "{}: {e}; fix the acceptance section (protocol/schemas/task_spec.json)",
            a.spec.display()
        );
    }
    if let Err(e) = parsed {
        if !a.any_spec {
            bail!(
                "{} is not a white-paper §6.2 task spec ({e}); aos-worker refuses such tasks, so \
                 the payment would sit in escrow until you cancel. Fix the file (see \
                 examples/task-spec.json), or pass --any-spec to post it anyway",
                a.spec.display()
            );
        }
        ctx.out.note(format!(
            "warning: {} is not a white-paper §6.2 task spec ({e}); aos-worker refuses such \
             tasks",
            a.spec.display()
        ));
    }
    let published = crate::blobs::publish(ctx, &spec)
        .await
        .wrap_err("cannot publish the spec")?;
    if let Some(path) = &published.path {
        ctx.out
            .detail(format!("  spec published as {}", path.display()));
    }
    let domain = domain_to_bytes32(&a.domain).wrap_err("--domain")?;
    let payment: u128 = a.payment.0.try_into().map_err(|_| {
        eyre!(
            "--payment {} does not fit the market's uint128",
            a.payment.0
        )
    })?;
    let (c, me) = ctx.writer().await?;
    let now = c
        .chain_time()
        .await
        .wrap_err("cannot read the chain's time")?;
    let fee_bps = c.fee_bps().await.wrap_err("cannot read the market's fee")?;
    let params = TaskParams::builder(me, now)
        .with_asset(a.token.unwrap_or(Address::ZERO))
        .with_payment(payment)
        .with_stake_bps(a.stake_bps)
        .with_fee_bps(fee_bps)
        .with_claim_in(a.claim_in)
        .with_complete_in(a.complete_in)
        .with_review_window(
            u32::try_from(a.review.as_secs()).map_err(|_| eyre!("--review is too long"))?,
        )
        .with_max_delegation_depth(a.max_depth)
        .with_min_accuracy(a.min_accuracy)
        .with_min_completion(a.min_completion)
        .with_domain(domain)
        .with_spec_hash(B256::from(spec_id.0))
        .with_parent_task(a.parent.unwrap_or(B256::ZERO))
        .with_salt(rand::random::<u64>())
        .build();
    if let Some(token) = a.token {
        ensure_allowance(
            ctx,
            &c,
            me,
            token,
            c.deployments().task_market,
            U256::from(payment),
        )
        .await?;
    }
    let o = send(
        &ctx.out,
        &format!(
            "post task ({} escrowed)",
            fmt_asset(params.asset, U256::from(payment))
        ),
        c.post_task(&params),
    )
    .await?;
    let id = o.value;
    ctx.out.emit(
        &json!({
            "task_id": id,
            "tx": o.tx_hash,
            "block": o.block_number,
            "gas_used": o.gas_used,
            "spec": a.spec,
            "terms": terms_json(&params),
        }),
        || {
            format!(
                "task {id:#x}\n{}\n{}",
                kv_table(terms_rows(id, &params, now, TaskStatus::Open)),
                after_post(id)
            )
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_hint_tells_the_requester_what_to_do_next() {
        let h = after_post(B256::repeat_byte(0xab));
        for want in [
            "aos task show",
            "aos task result",
            "aos task accept",
            "aos task reject",
        ] {
            assert!(h.contains(want), "{h}");
        }
        assert!(!h.contains("aos task claim"), "{h}");
    }
}
