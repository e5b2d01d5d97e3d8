//! `aos karma <address>`: the on-chain karma the market and the court recorded (white paper
//! §5): decayed accuracy and completion per domain (WAD, 1e18 = 1.0), counts, earnings.

use alloy::primitives::Address;
use clap::Args;
use eyre::Result;
use serde_json::json;

use crate::{
    ctx::Ctx,
    ids::parse_address,
    karma::{karma_of, karma_table},
    units::fmt_asset,
};

/// `aos karma` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  aos karma 0x7099…79C8\n  \
                        aos karma 0x7099…79C8 --domain summarisation --domain jury\n  \
                        aos --json karma 0x7099…79C8")]
pub(crate) struct KarmaArgs {
    /// The account.
    #[arg(value_parser = parse_address)]
    address: Address,
    /// Domains to show (repeatable); default: every domain the account has karma in.
    #[arg(long)]
    domain: Vec<String>,
}

/// Run `aos karma`.
pub(crate) async fn run(ctx: &Ctx, a: KarmaArgs) -> Result<()> {
    let c = ctx.reader().await?;
    let (rows, earnings) = karma_of(&c, a.address, &a.domain).await?;
    ctx.out.emit(
        &json!({ "address": a.address, "domains": rows, "earnings": earnings }),
        || {
            let e = earnings
                .iter()
                .map(|e| fmt_asset(e.asset, e.amount.parse().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "karma of {} (decayed to the latest block; 1.0000 is the maximum)\n{}\nearned: {e}",
                a.address,
                karma_table(&rows)
            )
        },
    );
    Ok(())
}
