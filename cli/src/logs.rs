//! Task history for people, and the task terms with `aos`'s hint: the scans themselves are
//! aos-chain's ([`AosContracts::task_events`], [`AosContracts::task_terms`]), which start at the
//! deployment block and adapt their block ranges to the provider.

use alloy::primitives::{Address, B256};
use aos_chain::{AosContracts, PostedTask, Ruling, TermsError, task_market::TaskMarket};
use eyre::{Result, WrapErr, eyre};
use serde::Serialize;

use crate::units::fmt_asset;

/// A posted task: its id, terms and the block it was posted in.
pub(crate) type Posted = PostedTask;

/// The terms of task `id`, from its `TaskPosted` event (checked to hash to `id`).
///
/// # Errors
/// No such task on this deployment (with a hint); RPC errors.
pub(crate) async fn task_terms(c: &AosContracts, id: B256) -> Result<Posted> {
    c.task_terms(id).await.map_err(|e| match e {
        // no source to keep: the same words as the library's, plus where ids come from
        TermsError::NoSuchTask { id, since_block } => eyre!(
            "no task {id:#x} on this deployment (no TaskPosted event since block \
             {since_block}): check the id with `aos task list`"
        ),
        e => eyre::Report::new(e),
    })
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

/// Every market event about task `id`, evidence included ([`AosContracts::task_events`]).
///
/// # Errors
/// RPC errors.
pub(crate) async fn task_history(
    c: &AosContracts,
    id: B256,
    asset: Address,
) -> Result<Vec<HistoryItem>> {
    use TaskMarket::TaskMarketEvents as E;
    let ls = c
        .task_events(id)
        .await
        .wrap_err("cannot read the task's events")?;
    let amt = |v| fmt_asset(asset, v);
    let mut out = Vec::new();
    for (l, ev) in &ls {
        let (event, detail) = match ev {
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
            E::Evidence(e) => (
                "Evidence",
                format!("by {}, blob {:#x}", e.party, e.evidence),
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

/// The market's rulings (ITaskMarket.RULING_CHOICES), for people.
pub(crate) fn ruling_name(r: u64) -> String {
    Ruling::describe(r)
}
