//! Reading events with `eth_getLogs` in bounded block ranges (public RPCs cap a query's range),
//! and the task terms every market call needs, taken from the `TaskPosted` event.

use alloy::{
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
    sol_types::{SolEvent, SolEventInterface},
};
use aos_chain::{AosContracts, TaskParams, task_id_of, task_market::TaskMarket};
use eyre::{Result, WrapErr, bail};
use serde::Serialize;

use crate::units::fmt_asset;

/// Blocks per `eth_getLogs` request.
const LOG_RANGE_BLOCKS: u64 = 10_000;

/// All logs matching `filter` from block `from` to the latest, in bounded ranges.
///
/// # Errors
/// RPC errors.
pub(crate) async fn logs(p: &DynProvider, filter: &Filter, from: u64) -> Result<Vec<Log>> {
    let latest = p
        .get_block_number()
        .await
        .wrap_err("eth_blockNumber failed")?;
    let mut out = Vec::new();
    let mut start = from;
    while start <= latest {
        let end = start.saturating_add(LOG_RANGE_BLOCKS - 1).min(latest);
        let f = filter.clone().from_block(start).to_block(end);
        out.extend(
            p.get_logs(&f)
                .await
                .wrap_err_with(|| format!("eth_getLogs for blocks {start}..={end} failed"))?,
        );
        start = end + 1;
    }
    Ok(out)
}

/// A posted task: its id, terms and the block it was posted in.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    /// `keccak256(abi.encode(params))`.
    pub(crate) id: B256,
    /// The terms.
    pub(crate) params: TaskParams,
    /// Block of the `TaskPosted` event.
    pub(crate) block: u64,
    /// Transaction of the `TaskPosted` event.
    pub(crate) tx: Option<B256>,
}

fn decode_posted(l: &Log) -> Option<Posted> {
    let ev = TaskMarket::TaskPosted::decode_log(&l.inner).ok()?.data;
    Some(Posted {
        id: ev.taskId,
        params: ev.params,
        block: l.block_number.unwrap_or_default(),
        tx: l.transaction_hash,
    })
}

/// Tasks posted on `c`'s market, optionally by one requester and/or in one domain.
///
/// # Errors
/// RPC errors.
pub(crate) async fn posted_tasks(
    c: &AosContracts,
    requester: Option<Address>,
    domain: Option<B256>,
) -> Result<Vec<Posted>> {
    let mut f = Filter::new()
        .address(c.deployments().task_market)
        .event_signature(TaskMarket::TaskPosted::SIGNATURE_HASH);
    if let Some(r) = requester {
        f = f.topic2(r.into_word());
    }
    if let Some(d) = domain {
        f = f.topic3(d);
    }
    let ls = logs(c.provider(), &f, c.deployments().start_block).await?;
    Ok(ls.iter().filter_map(decode_posted).collect())
}

/// The terms of task `id`, from its `TaskPosted` event (checked to hash to `id`).
///
/// # Errors
/// No such task on this deployment; RPC errors.
pub(crate) async fn task_terms(c: &AosContracts, id: B256) -> Result<Posted> {
    let f = Filter::new()
        .address(c.deployments().task_market)
        .event_signature(TaskMarket::TaskPosted::SIGNATURE_HASH)
        .topic1(id);
    let ls = logs(c.provider(), &f, c.deployments().start_block).await?;
    let Some(p) = ls.iter().filter_map(decode_posted).find(|p| p.id == id) else {
        bail!(
            "no task {id:#x} on this deployment (no TaskPosted event since block {}): check \
             the id with `aos task list`",
            c.deployments().start_block
        );
    };
    if task_id_of(&p.params) != id {
        bail!("the TaskPosted event of {id:#x} carries terms that hash to another id");
    }
    Ok(p)
}

/// One event in a task's history.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HistoryItem {
    /// Block number.
    pub(crate) block: u64,
    /// Transaction hash.
    pub(crate) tx: Option<B256>,
    /// Event name, e.g. `TaskClaimed`.
    pub(crate) event: String,
    /// What it says, for people.
    pub(crate) detail: String,
}

/// Every market event about task `id` (all carry the id as their first indexed topic).
///
/// # Errors
/// RPC errors.
pub(crate) async fn task_history(
    c: &AosContracts,
    id: B256,
    asset: Address,
) -> Result<Vec<HistoryItem>> {
    use TaskMarket::TaskMarketEvents as E;
    let f = Filter::new()
        .address(c.deployments().task_market)
        .topic1(id);
    let ls = logs(c.provider(), &f, c.deployments().start_block).await?;
    let amt = |v| fmt_asset(asset, v);
    let mut out = Vec::new();
    for l in &ls {
        let Ok(ev) = E::decode_log(&l.inner) else {
            continue;
        };
        let (event, detail) = match ev.data {
            E::TaskPosted(e) => (
                "TaskPosted",
                format!(
                    "by {}, {} escrowed",
                    e.requester,
                    amt(alloy::primitives::U256::from(e.params.payment))
                ),
            ),
            E::TaskClaimed(e) => (
                "TaskClaimed",
                format!("by {}, stake {}", e.worker, amt(e.stake)),
            ),
            E::TaskSubmitted(e) => (
                "TaskSubmitted",
                format!("by {}, result {:#x}", e.worker, e.resultHash),
            ),
            E::TaskAccepted(e) => (
                "TaskAccepted",
                format!(
                    "{} to {} (fee {}){}",
                    amt(e.workerAmount),
                    e.worker,
                    amt(e.fee),
                    if e.finalized {
                        ", finalized after the review window"
                    } else {
                        ""
                    }
                ),
            ),
            E::TaskDisputed(e) => (
                "TaskDisputed",
                format!(
                    "dispute {}, bond {}",
                    e.disputeId,
                    crate::units::fmt_eth(e.bond)
                ),
            ),
            E::TaskRuled(e) => (
                "TaskRuled",
                format!(
                    "dispute {}, ruling {}",
                    e.disputeId,
                    ruling_name(e.ruling.to())
                ),
            ),
            E::TaskResolved(e) => (
                "TaskResolved",
                format!(
                    "ruling {}: requester {}, worker {}, fee {}",
                    ruling_name(e.ruling.to()),
                    amt(e.requesterAmount),
                    amt(e.workerAmount),
                    amt(e.fee)
                ),
            ),
            E::TaskCancelled(_) => ("TaskCancelled", "payment credited back".to_owned()),
            E::TaskExpired(_) => ("TaskExpired", "payment credited back".to_owned()),
            E::TaskFailed(e) => (
                "TaskFailed",
                format!(
                    "worker {} missed the deadline; {} to the requester",
                    e.worker,
                    amt(e.requesterAmount)
                ),
            ),
            _ => continue,
        };
        out.push(HistoryItem {
            block: l.block_number.unwrap_or_default(),
            tx: l.transaction_hash,
            event: event.to_owned(),
            detail,
        });
    }
    Ok(out)
}

/// The market's rulings (ITaskMarket.RULING_CHOICES).
pub(crate) fn ruling_name(r: u64) -> String {
    match r {
        0 => "0 (refused: payment to requester, stake to worker)".into(),
        1 => "1 (requester wins)".into(),
        2 => "2 (worker wins)".into(),
        n => n.to_string(),
    }
}
