//! Gas accounting: every transaction of a phase's blocks, named by the contract function it
//! called ([`aos_chain::AosContracts::call_name`]), summed per function.

use std::collections::BTreeMap;

use alloy::{eips::BlockNumberOrTag, providers::Provider};
use eyre::Result;
use serde::Serialize;

use super::scene::Demo;

/// Gas of one step (contract function) in one phase.
#[derive(Debug, Serialize)]
pub(super) struct GasRow {
    /// The demo phase, e.g. `2 request`.
    pub(super) phase: String,
    /// `Contract.function`, `contract creation` or `other`.
    pub(super) step: String,
    /// Transactions that called it.
    pub(super) calls: u64,
    /// Gas they used, in all.
    pub(super) gas: u64,
}

impl Demo<'_> {
    /// Gas per (contract.function) of every transaction in blocks `from..=to`.
    pub(super) async fn gas(&self, phase: &str, from: u64, to: u64) -> Result<Vec<GasRow>> {
        let mut rows: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for n in from..=to {
            for (step, gas) in self.block_gas(n).await? {
                let e = rows.entry(step).or_default();
                e.0 += 1;
                e.1 += gas;
            }
        }
        Ok(rows
            .into_iter()
            .map(|(step, (calls, gas))| GasRow {
                phase: phase.to_owned(),
                step,
                calls,
                gas,
            })
            .collect())
    }

    /// (step name, gas used) of each transaction in block `n` (none when it does not exist).
    async fn block_gas(&self, n: u64) -> Result<Vec<(String, u64)>> {
        use alloy::consensus::Transaction as _;
        let Some(b) = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(n))
            .full()
            .await?
        else {
            return Ok(Vec::new());
        };
        let receipts = self
            .provider
            .get_block_receipts(n.into())
            .await?
            .unwrap_or_default();
        Ok(b.transactions
            .txns()
            .map(|tx| {
                let name = self.reader.call_name(tx.inner.to(), tx.inner.input());
                let gas = receipts
                    .iter()
                    .find(|r| r.transaction_hash == *tx.inner.tx_hash())
                    .map(|r| r.gas_used)
                    .unwrap_or_default();
                (name, gas)
            })
            .collect())
    }
}
