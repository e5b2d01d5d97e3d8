//! An agent's on-chain karma (white paper §5) as `aos` shows it, shared by `aos karma` and
//! `aos worker status`: decayed accuracy and completion per domain (WAD, 1e18 = 1.0),
//! counts, earnings.

use alloy::primitives::{Address, B256, U256};
use aos_chain::{AosContracts, bytes32_to_domain, domain_to_bytes32};
use eyre::{Result, WrapErr};
use serde::Serialize;

use crate::{output::table_with, units::fmt_wad};

/// Karma in one domain.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DomainKarma {
    /// Domain name.
    pub(crate) domain: String,
    /// Decayed accuracy, WAD.
    pub(crate) accuracy: String,
    /// Decayed completion rate, WAD.
    pub(crate) completion: String,
    /// Tasks recorded.
    pub(crate) tasks: u32,
    /// Disputes won.
    pub(crate) disputes_won: u32,
    /// Disputes lost.
    pub(crate) disputes_lost: u32,
    /// Last update (unix seconds).
    pub(crate) updated_at: u64,
}

/// Earnings in one asset.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Earning {
    /// Asset (zero = ETH).
    pub(crate) asset: Address,
    /// Amount (asset units).
    pub(crate) amount: String,
}

fn name(d: B256) -> String {
    bytes32_to_domain(d).unwrap_or_else(|_| format!("{d:#x}"))
}

/// Karma of `agent` in `domains` (names; empty = every domain it has karma in), and its
/// earnings per asset.
pub(crate) async fn karma_of(
    c: &AosContracts,
    agent: Address,
    domains: &[String],
) -> Result<(Vec<DomainKarma>, Vec<Earning>)> {
    let (found, assets) = c
        .karma_footprint(agent)
        .await
        .wrap_err("cannot read the karma registry's events")?;
    let domains: Vec<B256> = if domains.is_empty() {
        found
    } else {
        domains
            .iter()
            .map(|d| domain_to_bytes32(d).wrap_err_with(|| format!("--domain {d:?}")))
            .collect::<Result<_>>()?
    };
    let mut out = Vec::new();
    for d in domains {
        let (acc, comp) = c.karma_scores(agent, d).await?;
        let k = c
            .karma_record(agent, d)
            .await
            .wrap_err("KarmaRegistry.karmaOf failed")?;
        out.push(DomainKarma {
            domain: name(d),
            accuracy: acc.to_string(),
            completion: comp.to_string(),
            tasks: k.tasks,
            disputes_won: k.disputesWon.to(),
            disputes_lost: k.disputesLost.to(),
            updated_at: k.updatedAt.to(),
        });
    }
    let mut earnings = Vec::new();
    for a in assets {
        let v = c
            .earnings_of(agent, a)
            .await
            .wrap_err("KarmaRegistry.earningsOf failed")?;
        earnings.push(Earning {
            asset: a,
            amount: v.to_string(),
        });
    }
    Ok((out, earnings))
}

/// The karma table for people.
pub(crate) fn karma_table(rows: &[DomainKarma]) -> String {
    if rows.is_empty() {
        return "no karma recorded yet".into();
    }
    let mut t = table_with(&[
        "domain",
        "accuracy",
        "completion",
        "tasks",
        "disputes won",
        "disputes lost",
    ]);
    for r in rows {
        let w = |s: &str| fmt_wad(s.parse::<U256>().unwrap_or_default());
        t.add_row(vec![
            r.domain.clone(),
            w(&r.accuracy),
            w(&r.completion),
            r.tasks.to_string(),
            r.disputes_won.to_string(),
            r.disputes_lost.to_string(),
        ]);
    }
    t.to_string()
}
