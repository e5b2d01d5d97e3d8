//! The write path: a batch's blocks, raw events, derived rows and cursor in one transaction.

use alloy::primitives::U256;
use sqlx::AnyConnection;

use super::{
    Batch, BlockRow, CHUNK, Store, StoreError,
    sql::{V, bind_all, i, values_sql},
};
use crate::decode::{Decoded, Op, RawLog, TaskPostedRow, addr, h256};

impl Store {
    /// Write `batch` — blocks, raw events, derived rows, cursor — in one transaction.
    ///
    /// # Errors
    /// SQL errors (nothing is written then).
    pub async fn apply_batch(&self, chain_id: u64, batch: &Batch) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.insert_blocks(&mut tx, chain_id, &batch.blocks).await?;
        self.insert_events(&mut tx, chain_id, &batch.logs).await?;
        let mut i = 0;
        while i < batch.logs.len() {
            // consecutive TaskPosted ops go into multi-row inserts
            let mut posted = Vec::new();
            while i < batch.logs.len() {
                match batch.logs[i].1.ops.as_slice() {
                    [Op::TaskPosted(row)] => {
                        posted.push((&batch.logs[i].0, row.as_ref()));
                        i += 1;
                    }
                    _ => break,
                }
            }
            for chunk in posted.chunks(CHUNK) {
                self.insert_tasks(&mut tx, chunk).await?;
            }
            if i < batch.logs.len() {
                let (log, dec) = &batch.logs[i];
                for op in &dec.ops {
                    self.exec_op(&mut tx, log, op).await?;
                }
                i += 1;
            }
        }
        if let Some(c) = &batch.cursor {
            self.set_cursor(&mut tx, chain_id, c).await?;
        }
        sqlx::query("DELETE FROM blocks WHERE chain_id = $1 AND number < $2")
            .bind(chain_id as i64)
            .bind(i64::try_from(batch.prune_below).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn set_cursor(
        &self,
        tx: &mut AnyConnection,
        chain_id: u64,
        c: &BlockRow,
    ) -> Result<(), StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        bind_all(
            sqlx::query(
                "INSERT INTO cursor (chain_id, block_number, block_hash, block_timestamp, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chain_id) DO UPDATE SET \
                 block_number = excluded.block_number, block_hash = excluded.block_hash, \
                 block_timestamp = excluded.block_timestamp, updated_at = excluded.updated_at",
            ),
            vec![i(chain_id), i(c.number), V::S(h256(c.hash)), i(c.timestamp), i(now)],
        )
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    pub(super) async fn insert_blocks(
        &self,
        tx: &mut AnyConnection,
        chain_id: u64,
        blocks: &[BlockRow],
    ) -> Result<(), StoreError> {
        for chunk in blocks.chunks(CHUNK) {
            let sql = values_sql(
                "INSERT INTO blocks (chain_id, number, hash, parent_hash, timestamp) VALUES ",
                5,
                &[],
                chunk.len(),
                self.dialect,
                " ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash, \
                 parent_hash = excluded.parent_hash, timestamp = excluded.timestamp",
            );
            let mut vals = Vec::with_capacity(chunk.len() * 5);
            for b in chunk {
                vals.extend([
                    i(chain_id),
                    i(b.number),
                    V::S(h256(b.hash)),
                    V::S(h256(b.parent_hash)),
                    i(b.timestamp),
                ]);
            }
            bind_all(sqlx::query(&sql), vals).execute(&mut *tx).await?;
        }
        Ok(())
    }

    pub(super) async fn insert_events(
        &self,
        tx: &mut AnyConnection,
        chain_id: u64,
        logs: &[(RawLog, Decoded)],
    ) -> Result<(), StoreError> {
        for chunk in logs.chunks(CHUNK) {
            let sql = values_sql(
                "INSERT INTO events (chain_id, block_number, block_hash, block_timestamp, log_index, \
                 tx_hash, address, contract, kind, topics, data, args, task_id, dispute_id, account) VALUES ",
                15,
                &[13],
                chunk.len(),
                self.dialect,
                " ON CONFLICT (chain_id, block_hash, log_index) DO NOTHING",
            );
            let mut vals = Vec::with_capacity(chunk.len() * 15);
            for (l, d) in chunk {
                vals.extend([
                    i(chain_id),
                    i(l.block_number),
                    V::S(h256(l.block_hash)),
                    V::OI(l.block_timestamp.map(|t| t as i64)),
                    i(l.log_index),
                    V::S(h256(l.tx_hash)),
                    V::S(addr(l.address)),
                    V::S(d.contract.name().to_owned()),
                    V::S(d.kind.to_owned()),
                    V::S(
                        l.topics
                            .iter()
                            .map(|t| h256(*t))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    V::S(l.data.to_string()),
                    V::S(d.args.to_string()),
                    V::OS(d.task_id.map(h256)),
                    V::OS(d.dispute_id.map(|x| self.num(x))),
                    V::OS(d.account.map(addr)),
                ]);
            }
            bind_all(sqlx::query(&sql), vals).execute(&mut *tx).await?;
        }
        Ok(())
    }

    pub(super) async fn insert_tasks(
        &self,
        tx: &mut AnyConnection,
        rows: &[(&RawLog, &TaskPostedRow)],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = values_sql(
            "INSERT INTO tasks (task_id, requester, asset, payment, stake_bps, fee_bps, claim_deadline, \
             completion_deadline, review_window, max_delegation_depth, min_accuracy, min_completion, \
             domain, domain_name, spec_hash, parent_task_id, salt, status, posted_block, updated_block) VALUES ",
            20,
            &[3, 10, 11, 16],
            rows.len(),
            self.dialect,
            // a task id can come back only if the same terms are posted again after the first
            // one reached a final state: the new posting starts a fresh lifecycle
            " ON CONFLICT (task_id) DO UPDATE SET status = excluded.status, worker = NULL, stake = NULL, \
             result_hash = NULL, dispute_id = NULL, bond = NULL, ruling = NULL, finalized = NULL, \
             worker_amount = NULL, requester_amount = NULL, fee = NULL, \
             posted_block = excluded.posted_block, updated_block = excluded.updated_block",
        );
        let mut vals = Vec::with_capacity(rows.len() * 20);
        for (l, r) in rows {
            let p = &r.params;
            vals.extend([
                V::S(h256(r.task_id)),
                V::S(addr(p.requester)),
                V::S(addr(p.asset)),
                self.nv(U256::from(p.payment)),
                V::I(p.stakeBps.into()),
                V::I(p.feeBps.into()),
                i(p.claimDeadline.to::<u64>()),
                i(p.completionDeadline.to::<u64>()),
                V::I(p.reviewWindow.into()),
                V::I(p.maxDelegationDepth.into()),
                self.nv(U256::from(p.minAccuracy)),
                self.nv(U256::from(p.minCompletion)),
                V::S(h256(p.domain)),
                V::S(aos_chain::bytes32_to_domain(p.domain).unwrap_or_default()),
                V::S(h256(p.specHash)),
                V::S(h256(p.parentTaskId)),
                self.nv(U256::from(p.salt)),
                V::S("Open".into()),
                i(l.block_number),
                i(l.block_number),
            ]);
        }
        bind_all(sqlx::query(&sql), vals).execute(&mut *tx).await?;
        Ok(())
    }
}
