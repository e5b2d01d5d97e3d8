//! Sending a transaction with a spinner, and what to tell the person when it reverts; the
//! ERC-20 approval a payment or a stake may need first.

use std::future::Future;

use alloy::primitives::{Address, U256};
use aos_chain::{AosContracts, Revert, TxOutcome};
use eyre::{Result, WrapErr};

use crate::{ctx::Ctx, output::Output};

/// Await `fut` (a transaction being sent and mined) behind a spinner labelled `label`.
///
/// # Errors
/// The error (an `aos_chain::ChainError` for chain calls) wrapped with `"{label} failed"`;
/// `report` (cli.rs) finds the `ChainError` in the chain and prints the decoded revert's hint.
pub(crate) async fn send<T, E, F>(out: &Output, label: &str, fut: F) -> Result<TxOutcome<T>>
where
    F: Future<Output = Result<TxOutcome<T>, E>>,
    E: Into<eyre::Report>,
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
        Err(e) => Err(e.into().wrap_err(format!("{label} failed"))),
    }
}

/// What to do next after a revert: aos-chain's hints, plus the market's, the court's and the
/// registry's errors phrased as `aos` commands.
pub(crate) fn hint(r: &Revert) -> Option<&'static str> {
    use Revert::{AgentRegistry as R, DisputeCourt as C, TaskMarket as M};
    use aos_chain::{
        agent_registry::AgentRegistry::AgentRegistryErrors as Re,
        dispute_court::DisputeCourt::DisputeCourtErrors as Ce,
        task_market::TaskMarket::TaskMarketErrors as Me,
    };
    Some(match r {
        M(Me::TaskMarketNotRegistered(_)) | C(Ce::DisputeCourtNotRegistered(_)) => {
            "register the account's agent key first: `aos worker register`"
        }
        R(Re::AgentRegistryAlreadyRegistered(_)) => {
            "this account is already registered; `aos worker status` shows its agent key"
        }
        R(Re::AgentRegistryKeyTaken(_)) => {
            "that agent key is bound to another account; use another --agent-key file"
        }
        M(Me::TaskMarketWrongStatus(_)) => {
            "`aos task show <id>` shows the task's status and history"
        }
        M(Me::TaskMarketUnauthorized(_)) => {
            "only the role named in the error may do this; sign with that account \
             (--keystore or --private-key)"
        }
        M(Me::TaskMarketTaskExists(_)) => {
            "post again: `aos task post` draws a fresh salt each time"
        }
        M(Me::TaskMarketEmptyEvidence(_)) => {
            "pass the evidence as a file (published as a blob) or the id of a published blob"
        }
        M(Me::TaskMarketBadParams(_)) => {
            "fix the term named in the error (see `aos task post --help`)"
        }
        C(Ce::DisputeCourtWrongPhase(_)) => {
            "`aos dispute show <id>` shows the phase (drawing → commit → reveal → appeal → solved)"
        }
        C(Ce::DisputeCourtDeadlinePassed(_)) => {
            "the phase is over: move the dispute on with `aos dispute advance <id>`"
        }
        C(Ce::DisputeCourtDeadlineNotPassed(_)) => {
            "wait until the deadline in the error (unix seconds), then `aos dispute advance <id>`"
        }
        C(Ce::DisputeCourtRandomnessPending(_)) => {
            "the draw's seed comes from a later block: retry `aos dispute draw <id>` after the \
             next block"
        }
        C(Ce::DisputeCourtWrongSeat(_)) => {
            "this account holds no seat in that state; `aos juror status` lists your seats"
        }
        C(Ce::DisputeCourtBadReveal(_)) => {
            "the stored salt does not match the commitment: reveal with the --data-dir used to \
             commit"
        }
        C(Ce::DisputeCourtBadStake(_)) => {
            "the stake must reach the court's minimum stake (see `aos juror status`)"
        }
        C(Ce::DisputeCourtLeaveNotReady(_)) => {
            "run `aos juror leave` to request, then again after the leave delay"
        }
        C(Ce::DisputeCourtNothingFree(_)) => {
            "all stake is locked in open disputes; settle them first (`aos dispute settle <id>`)"
        }
        C(Ce::DisputeCourtNothingToWithdraw(_)) => {
            "the court owes this account nothing in that asset"
        }
        C(Ce::DisputeCourtNotAppealable(_) | Ce::DisputeCourtRoundNotSettleable(_)) => {
            "the dispute is not solved yet: `aos dispute advance <id>` after the deadline"
        }
        C(Ce::DisputeCourtUnknownDispute(_)) => {
            "no such dispute; ids start at 1 (`aos task show` names it)"
        }
        _ => return r.hint(),
    })
}

/// Approve `spender` for `amount` of `token` when the allowance is short.
pub(crate) async fn ensure_allowance(
    ctx: &Ctx,
    c: &AosContracts,
    me: Address,
    token: Address,
    spender: Address,
    amount: U256,
) -> Result<()> {
    let have = c
        .allowance(token, me, spender)
        .await
        .wrap_err_with(|| format!("cannot read the allowance of token {token}"))?;
    if have >= amount {
        return Ok(());
    }
    send(
        &ctx.out,
        &format!("approve {amount} of {token}"),
        c.approve(token, spender, amount),
    )
    .await?;
    Ok(())
}
