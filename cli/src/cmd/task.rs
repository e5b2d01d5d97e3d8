//! `aos task …`: post, show, list, claim, submit, accept, reject, cancel, finalize, expire,
//! execute-ruling. Every call after `post` takes only the task id: the terms come from the
//! task's `TaskPosted` event (tasks are content-addressed, ITaskMarket).

use std::{path::PathBuf, time::Duration};

use alloy::primitives::{Address, B256, U256};
use aos_chain::{TaskParams, TaskStatus, bytes32_to_domain, domain_to_bytes32, stake_of};
use aos_protocol::ContentId;
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::{Value, json};

use crate::{
    ctx::Ctx,
    ids::{parse_address, parse_b256},
    logs::{Posted, task_history, task_terms},
    output::{kv_table, table_with},
    tx::{ensure_allowance, send},
    units::{
        Amount, fmt_asset, fmt_deadline, fmt_deadline_while, fmt_duration, fmt_wad, parse_duration,
        parse_fraction,
    },
};

const POST_EXAMPLES: &str = "\
Examples:
  aos task post --payment 0.05eth --domain summarisation --spec spec.json
  aos task post --payment 50000000gwei --domain translation --spec spec.json \\
      --stake-bps 2000 --claim-in 30m --complete-in 4h --review 2h --min-accuracy 0.5
  # an ERC-20 payment (approves the market first), amount in the token's base units
  aos task post --payment 1000000 --token 0xA0b8…eB48 --domain code --spec spec.json";

const ID_EXAMPLES: &str = "\
Examples:
  aos task show 0x3f9c…9a            # terms, state, history
  aos --json task show 0x3f9c…9a     # the same as JSON";

/// Task commands.
#[derive(Debug, Subcommand)]
pub(crate) enum TaskCmd {
    /// Post a task, escrowing its payment; prints the task id and the full terms.
    #[command(after_help = POST_EXAMPLES)]
    Post(PostArgs),
    /// The task's terms (from its TaskPosted event), state, and history of events.
    #[command(after_help = ID_EXAMPLES)]
    Show(IdArg),
    /// Tasks posted on this deployment (from TaskPosted events), with their status.
    #[command(after_help = "Examples:\n  aos task list --status open\n  \
                            aos task list --domain summarisation --requester 0x7099…79C8\n  \
                            aos --json task list --limit 10")]
    List(ListArgs),
    /// Read a task's result before settling it: fetches the result blob (blob folder, cache,
    /// --gateway, mesh), checks it against the resultHash on chain, prints the answer.
    #[command(after_help = super::result::EXAMPLES)]
    Result(super::result::ResultArgs),
    /// Claim an open task, staking its stake (payment × stakeBps / 10 000, rounded up).
    #[command(after_help = "Examples:\n  aos task claim 0x3f9c…9a")]
    Claim(IdArg),
    /// Submit the result file's BLAKE3 id as the result hash (the worker only).
    #[command(after_help = "Examples:\n  aos task submit 0x3f9c…9a --result answer.txt")]
    Submit(SubmitArgs),
    /// Accept a submitted result: payment and stake to the worker (the requester only).
    #[command(after_help = "Examples:\n  aos task accept 0x3f9c…9a")]
    Accept(IdArg),
    /// Reject a submitted result within the review window, paying the court's arbitration
    /// cost: opens a dispute (the requester only).
    #[command(after_help = "Examples:\n  aos task reject 0x3f9c…9a\n  \
                            aos dispute show 1    # the dispute id it prints")]
    Reject(IdArg),
    /// Cancel an unclaimed task; the payment is credited back (the requester only).
    #[command(after_help = "Examples:\n  aos task cancel 0x3f9c…9a && aos withdraw")]
    Cancel(IdArg),
    /// Settle a submitted task as accepted once its review window has passed (anyone).
    #[command(after_help = "Examples:\n  aos task finalize 0x3f9c…9a")]
    Finalize(IdArg),
    /// Time out a task past its deadline: unclaimed → Expired, claimed but not submitted →
    /// Failed (anyone).
    #[command(after_help = "Examples:\n  aos task expire 0x3f9c…9a")]
    Expire(IdArg),
    /// Execute the court's ruling on a disputed task (anyone).
    #[command(after_help = "Examples:\n  aos task execute-ruling 0x3f9c…9a")]
    ExecuteRuling(IdArg),
}

/// A task id.
#[derive(Debug, Args)]
pub(crate) struct IdArg {
    /// Task id (0x + 64 hex digits), as printed by `aos task post` / `aos task list`.
    #[arg(value_parser = parse_b256)]
    id: B256,
}

/// `task submit` arguments.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// Task id.
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// The result file; its BLAKE3 id goes on chain.
    #[arg(long, value_name = "FILE")]
    result: PathBuf,
}

/// `task post` arguments.
#[derive(Debug, Args)]
pub(crate) struct PostArgs {
    /// Payment escrowed: 0.05eth, 50gwei, 123wei or plain wei (token base units with --token).
    #[arg(long)]
    payment: Amount,
    /// Karma domain, e.g. summarisation (≤ 32 bytes).
    #[arg(long)]
    domain: String,
    /// The task spec file (a white-paper §6.2 task spec, see examples/task-spec.json); its
    /// BLAKE3 id becomes specHash, and it is published in the blob folder when one is set.
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Post even when the spec is not a §6.2 task spec (workers of other software).
    #[arg(long)]
    any_spec: bool,
    /// Worker stake in bps of the payment (1..=10000).
    #[arg(long, default_value_t = 1000)]
    stake_bps: u16,
    /// Claims allowed for this long from now.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    claim_in: Duration,
    /// The result is due this long from now.
    #[arg(long, default_value = "2h", value_parser = parse_duration)]
    complete_in: Duration,
    /// Review window after submission (the requester may reject within it).
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    review: Duration,
    /// Minimum decayed accuracy of the claimant in the domain, 0..=1.
    #[arg(long, default_value = "0", value_parser = parse_fraction)]
    min_accuracy: u64,
    /// Minimum decayed completion rate of the claimant in the domain, 0..=1.
    #[arg(long, default_value = "0", value_parser = parse_fraction)]
    min_completion: u64,
    /// Levels of sub-tasks allowed below this task (≤ 8).
    #[arg(long, default_value_t = 2)]
    max_depth: u8,
    /// Parent task id for a sub-task (you must be the parent's worker).
    #[arg(long, value_parser = parse_b256)]
    parent: Option<B256>,
    /// ERC-20 token to pay in (default: ETH).
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    token: Option<Address>,
}

/// `task list` arguments.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only tasks in this status (open, claimed, submitted, disputed, accepted, cancelled,
    /// expired, failed, resolved, ruled-refused, ruled-for-requester, ruled-for-worker).
    #[arg(long, value_parser = parse_status)]
    status: Option<TaskStatus>,
    /// Only tasks in this domain.
    #[arg(long)]
    domain: Option<String>,
    /// Only tasks posted by this account.
    #[arg(long, value_parser = parse_address)]
    requester: Option<Address>,
    /// Show at most this many (the most recent).
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

fn parse_status(s: &str) -> Result<TaskStatus, String> {
    s.parse::<TaskStatus>()
        .ok()
        .filter(|st| *st != TaskStatus::None)
        .ok_or_else(|| {
            format!(
                "unknown status {s:?}; one of open, claimed, submitted, disputed, accepted, \
                 cancelled, expired, failed, resolved, ruled-refused, ruled-for-requester, \
                 ruled-for-worker"
            )
        })
}

fn domain_name(b: B256) -> String {
    bytes32_to_domain(b).unwrap_or_else(|_| format!("{b:#x}"))
}

/// The terms as JSON (big numbers as decimal strings).
pub(crate) fn terms_json(p: &TaskParams) -> Value {
    json!({
        "requester": p.requester,
        "asset": p.asset,
        "payment": p.payment.to_string(),
        "stake": stake_of(p).to_string(),
        "stakeBps": p.stakeBps,
        "feeBps": p.feeBps,
        "claimDeadline": p.claimDeadline.to::<u64>(),
        "completionDeadline": p.completionDeadline.to::<u64>(),
        "reviewWindow": p.reviewWindow,
        "maxDelegationDepth": p.maxDelegationDepth,
        "minAccuracy": p.minAccuracy.to_string(),
        "minCompletion": p.minCompletion.to_string(),
        "domain": domain_name(p.domain),
        "specHash": p.specHash,
        "parentTaskId": p.parentTaskId,
        "salt": p.salt.to_string(),
    })
}

fn terms_rows(id: B256, p: &TaskParams, now: u64, status: TaskStatus) -> Vec<(String, String)> {
    let amt = |v: U256| fmt_asset(p.asset, v);
    let mut rows = vec![
        ("task id".to_owned(), format!("{id:#x}")),
        ("requester".into(), p.requester.to_string()),
        (
            "asset".into(),
            if p.asset == Address::ZERO {
                "ETH".into()
            } else {
                p.asset.to_string()
            },
        ),
        ("payment".into(), amt(U256::from(p.payment))),
        (
            "stake".into(),
            format!("{} ({} bps)", amt(stake_of(p)), p.stakeBps),
        ),
        ("fee".into(), format!("{} bps", p.feeBps)),
        ("domain".into(), domain_name(p.domain)),
        (
            "claim deadline".into(),
            fmt_deadline_while(p.claimDeadline.to(), now, status, &[TaskStatus::Open]),
        ),
        (
            "completion deadline".into(),
            fmt_deadline_while(
                p.completionDeadline.to(),
                now,
                status,
                &[TaskStatus::Open, TaskStatus::Claimed],
            ),
        ),
        (
            "review window".into(),
            fmt_duration(u64::from(p.reviewWindow)),
        ),
        ("min accuracy".into(), fmt_wad(U256::from(p.minAccuracy))),
        (
            "min completion".into(),
            fmt_wad(U256::from(p.minCompletion)),
        ),
        (
            "max delegation depth".into(),
            p.maxDelegationDepth.to_string(),
        ),
        ("spec hash".into(), format!("{:#x}", p.specHash)),
    ];
    if p.parentTaskId != B256::ZERO {
        rows.push(("parent task".into(), format!("{:#x}", p.parentTaskId)));
    }
    rows.push(("salt".into(), p.salt.to_string()));
    rows
}

/// Run a task command.
pub(crate) async fn run(ctx: &Ctx, cmd: TaskCmd) -> Result<()> {
    match cmd {
        TaskCmd::Post(a) => post(ctx, a).await,
        TaskCmd::Show(a) => show(ctx, a.id).await,
        TaskCmd::List(a) => list(ctx, a).await,
        TaskCmd::Result(a) => super::result::run(ctx, a).await,
        TaskCmd::Claim(a) => act(ctx, a.id, Action::Claim).await,
        TaskCmd::Submit(a) => act(ctx, a.id, Action::Submit(a.result)).await,
        TaskCmd::Accept(a) => act(ctx, a.id, Action::Accept).await,
        TaskCmd::Reject(a) => act(ctx, a.id, Action::Reject).await,
        TaskCmd::Cancel(a) => act(ctx, a.id, Action::Cancel).await,
        TaskCmd::Finalize(a) => act(ctx, a.id, Action::Finalize).await,
        TaskCmd::Expire(a) => act(ctx, a.id, Action::Expire).await,
        TaskCmd::ExecuteRuling(a) => act(ctx, a.id, Action::ExecuteRuling).await,
    }
}

/// What a requester does after posting task `id`: follow it, read the answer once a worker
/// submitted, then settle (the worker's side, claiming, is the worker's business).
pub(crate) fn after_post(id: B256) -> String {
    format!(
        "next: a worker claims and works it; follow it with `aos task show {id:#x}`, read the \
         answer once submitted with `aos task result {id:#x}`, then `aos task accept {id:#x}` \
         (pays) or `aos task reject {id:#x}` (disputes) within the review window; nobody \
         claimed it by the claim deadline? `aos task cancel {id:#x}`, then `aos withdraw`"
    )
}

async fn post(ctx: &Ctx, a: PostArgs) -> Result<()> {
    let spec = std::fs::read(&a.spec)
        .wrap_err_with(|| format!("cannot read the spec file {}", a.spec.display()))?;
    let spec_id = ContentId::of(&spec);
    if let Err(e) =
        <aos_protocol::messages::TaskSpec as aos_protocol::messages::Message>::from_json(&spec)
    {
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
    if let Some(dir) = &ctx.s.blob_dir {
        let path = dir.join(spec_id.to_string());
        std::fs::write(&path, &spec)
            .wrap_err_with(|| format!("cannot publish the spec to {}", path.display()))?;
        ctx.out
            .detail(format!("  spec published as {}", path.display()));
    }
    let domain = domain_to_bytes32(&a.domain).map_err(|e| eyre!("--domain: {e}"))?;
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

async fn show(ctx: &Ctx, id: B256) -> Result<()> {
    let c = ctx.reader().await?;
    let posted = task_terms(&c, id).await?;
    let state = c
        .task_state(id)
        .await
        .wrap_err("cannot read the task's state")?;
    let status = TaskStatus::from_u8(state.status)
        .ok_or_else(|| eyre!("unknown status number {}", state.status))?;
    let history = task_history(&c, id, posted.params.asset).await?;
    let now = c.chain_time().await?;
    let deadline: u64 = state.deadline.to();
    ctx.out.emit(
        &json!({
            "task_id": id,
            "posted_block": posted.block,
            "posted_tx": posted.tx,
            "terms": terms_json(&posted.params),
            "state": {
                "status": status.to_string(),
                "worker": state.worker,
                "deadline": deadline,
                "depth": state.depth,
            },
            "history": history,
        }),
        || {
            let mut st = vec![("status".to_owned(), status.to_string())];
            if !status.is_final() {
                st.push(("stage deadline".into(), fmt_deadline(deadline, now)));
            }
            if state.worker != Address::ZERO {
                st.insert(1, ("worker".into(), state.worker.to_string()));
            }
            if state.depth > 0 {
                st.push(("depth".into(), state.depth.to_string()));
            }
            let mut h = table_with(&["block", "event", "detail"]);
            for i in &history {
                h.add_row(vec![i.block.to_string(), i.event.clone(), i.detail.clone()]);
            }
            format!(
                "terms\n{}\nstate\n{}\nhistory\n{h}",
                kv_table(terms_rows(id, &posted.params, now, status)),
                kv_table(st)
            )
        },
    );
    Ok(())
}

async fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let c = ctx.reader().await?;
    let domain = a
        .domain
        .as_deref()
        .map(domain_to_bytes32)
        .transpose()
        .map_err(|e| eyre!("--domain: {e}"))?;
    let posted = c
        .posted_tasks(a.requester, domain)
        .await
        .wrap_err("cannot read the posted tasks")?;
    let now = c.chain_time().await?;
    let mut rows: Vec<(Posted, TaskStatus, Address, u64)> = Vec::new();
    for p in posted.into_iter().rev() {
        if rows.len() >= a.limit {
            break;
        }
        let s = c.task_state(p.id).await?;
        let st = TaskStatus::from_u8(s.status).unwrap_or(TaskStatus::None);
        if a.status.is_some_and(|want| want != st) {
            continue;
        }
        rows.push((p, st, s.worker, s.deadline.to()));
    }
    let items: Vec<Value> = rows
        .iter()
        .map(|(p, st, w, d)| {
            json!({
                "task_id": p.id,
                "status": st.to_string(),
                "worker": w,
                "deadline": d,
                "block": p.block,
                "terms": terms_json(&p.params),
            })
        })
        .collect();
    ctx.out.emit(&json!({ "tasks": items }), || {
        if rows.is_empty() {
            return "no tasks match".into();
        }
        let mut t = table_with(&[
            "task id",
            "status",
            "domain",
            "payment",
            "requester",
            "deadline",
        ]);
        for (p, st, _, d) in &rows {
            t.add_row(vec![
                format!("{:#x}", p.id),
                st.to_string(),
                domain_name(p.params.domain),
                fmt_asset(p.params.asset, U256::from(p.params.payment)),
                p.params.requester.to_string(),
                if st.is_final() {
                    "-".into()
                } else {
                    fmt_deadline(*d, now)
                },
            ]);
        }
        t.to_string()
    });
    Ok(())
}

#[derive(Debug)]
enum Action {
    Claim,
    Submit(PathBuf),
    Accept,
    Reject,
    Cancel,
    Finalize,
    Expire,
    ExecuteRuling,
}

async fn act(ctx: &Ctx, id: B256, action: Action) -> Result<()> {
    // Read the result file before touching the chain: a typo costs nothing.
    let result = match &action {
        Action::Submit(path) => {
            let bytes = std::fs::read(path)
                .wrap_err_with(|| format!("cannot read the result file {}", path.display()))?;
            Some(ContentId::of(&bytes))
        }
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
        Action::Reject => {
            let o = send(
                &ctx.out,
                &format!("reject {short}… (opens a dispute)"),
                c.reject(&p),
            )
            .await?;
            extra = json!({ "dispute_id": o.value.to_string() });
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
    ctx.out
        .emit(&doc, || format!("task {id:#x} is now {status}"));
    Ok(())
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

    #[test]
    fn status_names() {
        assert_eq!(parse_status("open").unwrap(), TaskStatus::Open);
        assert_eq!(
            parse_status("ruled-for-worker").unwrap(),
            TaskStatus::RuledForWorker
        );
        assert!(parse_status("none").is_err());
        assert!(parse_status("bogus").is_err());
    }
}
