//! `aos withdraw`: take out what the market owes the signing account — a worker's payments
//! and returned stakes, a requester's refunds (cancelled, expired, lost disputes) alike. The
//! market credits balances (pull payments); this sends them. `aos worker withdraw` is the
//! same command under the worker group.

use alloy::primitives::Address;
use clap::Args;
use eyre::Result;
use serde_json::json;

use crate::ids::parse_address;
use crate::{ctx::Ctx, tx::send, units::fmt_asset};

/// `withdraw` arguments.
#[derive(Debug, Args)]
pub(crate) struct WithdrawArgs {
    /// Asset to withdraw (default ETH).
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    asset: Option<Address>,
    /// Recipient (default the account itself).
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    to: Option<Address>,
}

/// Withdraw the signing account's balance in the market.
pub(crate) async fn run(ctx: &Ctx, a: WithdrawArgs) -> Result<()> {
    let (c, me) = ctx.writer().await?;
    let asset = a.asset.unwrap_or(Address::ZERO);
    let to = a.to.unwrap_or(me);
    let owed = c.market_balance(me, asset).await?;
    let o = send(
        &ctx.out,
        &format!("withdraw {} to {to}", fmt_asset(asset, owed)),
        c.withdraw(asset, to),
    )
    .await?;
    ctx.out.emit(
        &json!({ "account": me, "asset": asset, "to": to, "amount": o.value.to_string(), "tx": o.tx_hash }),
        || format!("withdrew {} to {to}", fmt_asset(asset, o.value)),
    );
    Ok(())
}
