//! What the demo moved: the participants' ETH balances and their karma (from the indexer),
//! read before and after, and the rows of the summary that compare them.

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use eyre::Result;
use serde::Serialize;

use super::scene::Demo;

/// ETH balance (wei) per requester, worker and juror account.
pub(super) type Balances = BTreeMap<Address, U256>;

/// Karma per (agent, domain name).
pub(super) type Karma = BTreeMap<(Address, String), KarmaPoint>;

/// One participant's ETH balance.
#[derive(Debug, Serialize)]
pub(super) struct Balance {
    /// `<role>-<index>`.
    pub(super) role: String,
    /// Its account.
    pub(super) address: Address,
    /// Before the request, wei.
    pub(super) before_wei: String,
    /// At the end, wei.
    pub(super) after_wei: String,
    /// `+n` or `-n`, wei.
    pub(super) delta_wei: String,
}

/// A karma vector entry (indexer `/agents/{address}`), decayed.
#[derive(Debug, Serialize, Clone, Default)]
pub(super) struct KarmaPoint {
    /// Accuracy, a fraction.
    pub(super) accuracy: f64,
    /// Completion, a fraction.
    pub(super) completion: f64,
    /// Tasks counted.
    pub(super) tasks: u64,
}

/// One (agent, domain)'s karma before and after.
#[derive(Debug, Serialize)]
pub(super) struct KarmaRow {
    /// Its account.
    pub(super) agent: Address,
    /// `<role>-<index>`.
    pub(super) role: String,
    /// Domain name.
    pub(super) domain: String,
    /// Before the request.
    pub(super) before: KarmaPoint,
    /// At the end.
    pub(super) after: KarmaPoint,
}

impl Demo<'_> {
    /// The ETH balance of every requester, worker and juror account.
    pub(super) async fn balances(&self) -> Result<Balances> {
        let mut m = BTreeMap::new();
        for a in &self.net.accounts {
            if matches!(
                a.role.as_str(),
                "requester" | "worker" | "defector" | "juror"
            ) {
                // wallet + what the market holds for the account (earnings not withdrawn
                // yet, e.g. the devnet's warm-up tasks): a withdrawal moves ETH between the
                // two and is not a gain
                let wallet = self.provider.get_balance(a.address).await?;
                let credit = self.reader.market_balance(a.address, Address::ZERO).await?;
                m.insert(a.address, wallet + credit);
            }
        }
        Ok(m)
    }

    /// Karma per (agent, domain) of the workers and jurors, from the indexer (once it has
    /// caught up with the chain).
    pub(super) async fn karma(&self) -> Result<Karma> {
        self.indexer_caught_up().await?;
        let mut m = BTreeMap::new();
        for a in &self.net.accounts {
            if !matches!(a.role.as_str(), "worker" | "defector" | "juror") {
                continue;
            }
            let v = self.indexer()?.agent(a.address, None).await?;
            for k in v.karma {
                m.insert(
                    (a.address, k.domain_name),
                    KarmaPoint {
                        accuracy: k.accuracy_decayed,
                        completion: k.completion_decayed,
                        tasks: k.tasks,
                    },
                );
            }
        }
        Ok(m)
    }

    /// Each account of `before`, its balance before and after, in devnet order.
    pub(super) fn balance_rows(&self, before: &Balances, after: &Balances) -> Vec<Balance> {
        self.net
            .accounts
            .iter()
            .filter_map(|x| {
                let b = *before.get(&x.address)?;
                let c = after.get(&x.address).copied().unwrap_or_default();
                let delta = if c >= b {
                    format!("+{}", c - b)
                } else {
                    format!("-{}", b - c)
                };
                Some(Balance {
                    role: format!("{}-{}", x.role, x.index),
                    address: x.address,
                    before_wei: b.to_string(),
                    after_wei: c.to_string(),
                    delta_wei: delta,
                })
            })
            .collect()
    }

    /// Every (agent, domain) in `before` or `after`, with both (zero when absent).
    pub(super) fn karma_rows(&self, before: &Karma, after: &Karma) -> Vec<KarmaRow> {
        let keys: BTreeSet<_> = before.keys().chain(after.keys()).cloned().collect();
        keys.into_iter()
            .map(|k| KarmaRow {
                agent: k.0,
                role: self.role_of(k.0),
                before: before.get(&k).cloned().unwrap_or_default(),
                after: after.get(&k).cloned().unwrap_or_default(),
                domain: k.1,
            })
            .collect()
    }
}
