//! Sending a transaction with a spinner, and what to tell the person when it reverts.

use std::future::Future;

use alloy::{
    contract::{CallBuilder, CallDecoder},
    primitives::Address,
    providers::DynProvider,
    rpc::types::TransactionReceipt,
    sol_types::SolEvent,
};
use aos_chain::{ChainError, TxOutcome, hint_for};
use eyre::Result;

use crate::output::Output;

/// Await `fut` (a transaction being sent and mined) behind a spinner labelled `label`.
///
/// # Errors
/// The [`ChainError`] wrapped with `"{label} failed"`; [`report`](crate::cli) finds it in the
/// chain and prints the decoded revert's hint.
pub(crate) async fn send<T, F>(out: &Output, label: &str, fut: F) -> Result<TxOutcome<T>>
where
    F: Future<Output = Result<TxOutcome<T>, ChainError>>,
{
    let pb = out.spinner(format!("{label}: sending and waiting for the receipt"));
    let r = fut.await;
    pb.finish_and_clear();
    match r {
        Ok(o) => {
            out.note(format!("✓ {label}"));
            out.detail(format!(
                "  tx {:#x}, block {}, gas used {}",
                o.tx_hash, o.block_number, o.gas_used
            ));
            Ok(o)
        }
        Err(e) => Err(eyre::Report::new(e).wrap_err(format!("{label} failed"))),
    }
}

/// Send a generated binding call and wait for its receipt; status 0 is an error.
///
/// # Errors
/// [`ChainError`] (reverts decoded).
pub(crate) async fn exec<D: CallDecoder>(
    call: CallBuilder<&DynProvider, D>,
) -> Result<TxOutcome<TransactionReceipt>, ChainError> {
    let r = call.send().await?.get_receipt().await?;
    if !r.status() {
        return Err(ChainError::TxFailed(r.transaction_hash));
    }
    Ok(TxOutcome {
        tx_hash: r.transaction_hash,
        gas_used: r.gas_used,
        block_number: r.block_number.unwrap_or_default(),
        value: r,
    })
}

/// Every `E` emitted by `emitter` in a receipt.
pub(crate) fn events<E: SolEvent>(r: &TransactionReceipt, emitter: Address) -> Vec<E> {
    r.inner
        .logs()
        .iter()
        .filter(|l| l.address() == emitter)
        .filter_map(|l| E::decode_log(&l.inner).ok())
        .map(|l| l.data)
        .collect()
}

/// What to do next after a decoded revert: aos-chain's hints, plus the court's and the
/// registry's errors phrased as `aos` commands.
pub(crate) fn hint(decoded: &str) -> Option<&'static str> {
    let name = decoded.split('(').next()?;
    Some(match name {
        "TaskMarketNotRegistered" | "DisputeCourtNotRegistered" => {
            "register the account's agent key first: `aos worker register`"
        }
        "AgentRegistryAlreadyRegistered" => {
            "this account is already registered; `aos worker status` shows its agent key"
        }
        "AgentRegistryKeyTaken" => {
            "that agent key is bound to another account; use another --agent-key file"
        }
        "TaskMarketWrongStatus" => "`aos task show <id>` shows the task's status and history",
        "TaskMarketUnauthorized" => {
            "only the role named in the error may do this; sign with that account \
             (--keystore or --private-key)"
        }
        "TaskMarketTaskExists" => "post again: `aos task post` draws a fresh salt each time",
        "TaskMarketBadParams" => "fix the term named in the error (see `aos task post --help`)",
        "DisputeCourtWrongPhase" => {
            "`aos dispute show <id>` shows the phase (drawing → commit → reveal → appeal → solved)"
        }
        "DisputeCourtDeadlinePassed" => {
            "the phase is over: move the dispute on with `aos dispute advance <id>`"
        }
        "DisputeCourtDeadlineNotPassed" => {
            "wait until the deadline in the error (unix seconds), then `aos dispute advance <id>`"
        }
        "DisputeCourtRandomnessPending" => {
            "the draw's seed comes from a later block: retry `aos dispute draw <id>` after the \
             next block"
        }
        "DisputeCourtWrongSeat" => {
            "this account holds no seat in that state; `aos juror status` lists your seats"
        }
        "DisputeCourtBadReveal" => {
            "the stored salt does not match the commitment: reveal with the --data-dir used to \
             commit"
        }
        "DisputeCourtBadStake" => {
            "the stake must reach the court's minimum stake (see `aos juror status`)"
        }
        "DisputeCourtLeaveNotReady" => {
            "run `aos juror leave` to request, then again after the leave delay"
        }
        "DisputeCourtNothingFree" => {
            "all stake is locked in open disputes; settle them first (`aos dispute settle <id>`)"
        }
        "DisputeCourtNothingToWithdraw" => "the court owes this account nothing in that asset",
        "DisputeCourtNotAppealable" | "DisputeCourtRoundNotSettleable" => {
            "the dispute is not solved yet: `aos dispute advance <id>` after the deadline"
        }
        "DisputeCourtUnknownDispute" => {
            "no such dispute; ids start at 1 (`aos task show` names it)"
        }
        _ => return hint_for(decoded),
    })
}

/// The same outcome without its value.
pub(crate) fn unit<T>(o: TxOutcome<T>) -> TxOutcome<()> {
    TxOutcome {
        value: (),
        tx_hash: o.tx_hash,
        gas_used: o.gas_used,
        block_number: o.block_number,
    }
}
