//! The projection: one decoded [`Op`] → its derived-table write (tasks, agents, karma,
//! earnings, disputes, votes, jurors, append-only rows). Used by the write path and by the
//! rebuild after a reorg, so both run the same SQL.

use alloy::primitives::{Address, U256};
use sqlx::{AnyConnection, Row};

use super::{
    Store, StoreError,
    sql::{V, bind_all, i, parse_u256, u256_i64},
};
use crate::decode::{Op, RawLog, addr, h256};

impl Store {
    pub(super) async fn run(
        &self,
        tx: &mut AnyConnection,
        tpl: &'static str,
        vals: Vec<V>,
    ) -> Result<(), StoreError> {
        bind_all(sqlx::query(self.q(tpl)), vals)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    pub(super) async fn ensure_dispute(
        &self,
        tx: &mut AnyConnection,
        id: U256,
        block: u64,
    ) -> Result<(), StoreError> {
        self.run(
            tx,
            "INSERT INTO disputes (dispute_id, phase, round, seats, deadline, solved, delivered, created_block, updated_block) \
             VALUES (#1, 'None', 0, 0, 0, 0, 0, $2, $2) ON CONFLICT (dispute_id) DO NOTHING",
            vec![self.nv(id), i(block)],
        )
        .await
    }

    pub(super) async fn ensure_seat(
        &self,
        tx: &mut AnyConnection,
        id: U256,
        round: U256,
        juror: Address,
        block: u64,
    ) -> Result<(), StoreError> {
        self.ensure_dispute(tx, id, block).await?;
        self.run(
            tx,
            "INSERT INTO votes (dispute_id, round, juror, state, drawn_block) VALUES (#1, $2, $3, 'Drawn', $4) \
             ON CONFLICT (dispute_id, round, juror) DO NOTHING",
            vec![self.nv(id), V::I(u256_i64(round)), V::S(addr(juror)), i(block)],
        )
        .await
    }

    pub(super) async fn exec_op(
        &self,
        tx: &mut AnyConnection,
        log: &RawLog,
        op: &Op,
    ) -> Result<(), StoreError> {
        let b = log.block_number;
        let (bn, li) = (i(log.block_number), i(log.log_index));
        match op {
            Op::TaskPosted(row) => self.insert_tasks(tx, &[(log, row.as_ref())]).await?,
            Op::TaskClaimed { task_id, worker, stake } => {
                self.run(tx, "UPDATE tasks SET status = 'Claimed', worker = $2, stake = #3, updated_block = $4 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), V::S(addr(*worker)), self.nv(*stake), i(b)]).await?
            }
            Op::TaskSubmitted { task_id, result_hash } => {
                self.run(tx, "UPDATE tasks SET status = 'Submitted', result_hash = $2, updated_block = $3 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), V::S(h256(*result_hash)), i(b)]).await?
            }
            Op::TaskAccepted { task_id, worker_amount, fee, finalized } => {
                self.run(tx, "UPDATE tasks SET status = 'Accepted', worker_amount = #2, fee = #3, finalized = $4, updated_block = $5 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), self.nv(*worker_amount), self.nv(*fee), V::I(i64::from(*finalized)), i(b)]).await?
            }
            Op::TaskDisputed { task_id, dispute_id, bond } => {
                self.run(tx, "UPDATE tasks SET status = 'Disputed', dispute_id = #2, bond = #3, updated_block = $4 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), self.nv(*dispute_id), self.nv(*bond), i(b)]).await?
            }
            Op::TaskRuled { task_id, ruling } => {
                let status = match u256_i64(*ruling) {
                    0 => "RuledRefused",
                    1 => "RuledForRequester",
                    _ => "RuledForWorker",
                };
                self.run(tx, "UPDATE tasks SET status = $2, ruling = $3, updated_block = $4 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), V::S(status.into()), V::I(u256_i64(*ruling)), i(b)]).await?
            }
            Op::TaskResolved { task_id, ruling, requester_amount, worker_amount, fee } => {
                self.run(tx, "UPDATE tasks SET status = 'Resolved', ruling = $2, requester_amount = #3, worker_amount = #4, fee = #5, updated_block = $6 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), V::I(u256_i64(*ruling)), self.nv(*requester_amount), self.nv(*worker_amount), self.nv(*fee), i(b)]).await?
            }
            Op::TaskStatus { task_id, status } => {
                self.run(tx, "UPDATE tasks SET status = $2, updated_block = $3 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), V::S((*status).into()), i(b)]).await?
            }
            Op::TaskFailed { task_id, requester_amount } => {
                self.run(tx, "UPDATE tasks SET status = 'Failed', requester_amount = #2, updated_block = $3 WHERE task_id = $1",
                    vec![V::S(h256(*task_id)), self.nv(*requester_amount), i(b)]).await?
            }
            Op::ClaimRow { task_id, worker, stake } => {
                self.run(tx, "INSERT INTO claims (block_number, log_index, task_id, worker, stake) VALUES ($1, $2, $3, $4, #5) ON CONFLICT DO NOTHING",
                    vec![bn, li, V::S(h256(*task_id)), V::S(addr(*worker)), self.nv(*stake)]).await?
            }
            Op::SubmissionRow { task_id, worker, result_hash } => {
                self.run(tx, "INSERT INTO submissions (block_number, log_index, task_id, worker, result_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    vec![bn, li, V::S(h256(*task_id)), V::S(addr(*worker)), V::S(h256(*result_hash))]).await?
            }
            Op::EvidenceRow { task_id, party, evidence } => {
                self.run(tx, "INSERT INTO evidence (block_number, log_index, tx_hash, task_id, party, evidence) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                    vec![bn, li, V::S(h256(log.tx_hash)), V::S(h256(*task_id)), V::S(addr(*party)), V::S(h256(*evidence))]).await?
            }
            Op::WithdrawalRow { contract, account, asset, to, amount } => {
                self.run(tx, "INSERT INTO withdrawals (block_number, log_index, contract, account, asset, to_address, amount) VALUES ($1, $2, $3, $4, $5, $6, #7) ON CONFLICT DO NOTHING",
                    vec![bn, li, V::S((*contract).into()), V::S(addr(*account)), V::S(addr(*asset)), V::S(addr(*to)), self.nv(*amount)]).await?
            }
            Op::AgentSet { account, agent_key, manifest_hash, registered: true } => {
                self.run(tx, "INSERT INTO agents (account, agent_key, manifest_hash, registered, first_block, updated_block) VALUES ($1, $2, $3, 1, $4, $4) \
                              ON CONFLICT (account) DO UPDATE SET agent_key = excluded.agent_key, manifest_hash = excluded.manifest_hash, registered = 1, updated_block = excluded.updated_block",
                    vec![V::S(addr(*account)), V::S(h256(*agent_key)), V::S(h256(*manifest_hash)), i(b)]).await?
            }
            Op::AgentSet { account, agent_key, manifest_hash, registered: false } => {
                self.run(tx, "INSERT INTO agents (account, agent_key, manifest_hash, registered, first_block, updated_block) VALUES ($1, $2, $3, 0, $4, $4) \
                              ON CONFLICT (account) DO UPDATE SET registered = 0, updated_block = excluded.updated_block",
                    vec![V::S(addr(*account)), V::S(h256(*agent_key)), V::S(h256(*manifest_hash)), i(b)]).await?
            }
            Op::KarmaRecorded { agent, domain, outcome, level: _, record: k } => {
                // the event carries the record as KarmaRegistry stored it: no rule re-applied here
                let name = crate::decode::OUTCOME_NAMES.get(*outcome as usize).copied().unwrap_or("Unknown");
                self.run(tx, "INSERT INTO karma (agent, domain, domain_name, accuracy, completion, updated_at, tasks, disputes_won, disputes_lost, last_outcome, updated_block) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (agent, domain) DO UPDATE SET \
                              accuracy = excluded.accuracy, completion = excluded.completion, updated_at = excluded.updated_at, \
                              tasks = excluded.tasks, disputes_won = excluded.disputes_won, \
                              disputes_lost = excluded.disputes_lost, last_outcome = excluded.last_outcome, \
                              updated_block = excluded.updated_block",
                    vec![V::S(addr(*agent)), V::S(h256(*domain)), V::S(aos_chain::bytes32_to_domain(*domain).unwrap_or_default()),
                         // WAD scores are EMAs of values in [0, 1e18]: they fit an i64
                         i(k.accuracy), i(k.completion), i(k.updated_at),
                         V::I(k.tasks.into()), V::I(k.disputes_won.into()), V::I(k.disputes_lost.into()), V::S(name.into()), i(b)]).await?
            }
            Op::EarningsAdd { agent, asset, amount } => {
                let cur = sqlx::query(&format!("SELECT {} FROM earnings WHERE agent = $1 AND asset = $2", self.num_col("total")))
                    .bind(addr(*agent))
                    .bind(addr(*asset))
                    .fetch_optional(&mut *tx)
                    .await?;
                let cur = match cur {
                    Some(r) => parse_u256("earnings.total", &r.try_get::<String, _>(0)?)?,
                    None => U256::ZERO,
                };
                self.run(tx, "INSERT INTO earnings (agent, asset, total, updated_block) VALUES ($1, $2, #3, $4) \
                              ON CONFLICT (agent, asset) DO UPDATE SET total = excluded.total, updated_block = excluded.updated_block",
                    vec![V::S(addr(*agent)), V::S(addr(*asset)), self.nv(cur.saturating_add(*amount)), i(b)]).await?
            }
            Op::DisputeCreated { dispute_id, arbitrable } => {
                self.ensure_dispute(tx, *dispute_id, b).await?;
                self.run(tx, "UPDATE disputes SET arbitrable = $2, created_block = $3, updated_block = $3 WHERE dispute_id = #1",
                    vec![self.nv(*dispute_id), V::S(addr(*arbitrable)), i(b)]).await?
            }
            Op::DisputeTask { dispute_id, task_id, bond } => {
                self.ensure_dispute(tx, *dispute_id, b).await?;
                self.run(tx, "UPDATE disputes SET task_id = $2, bond = #3, updated_block = $4 WHERE dispute_id = #1",
                    vec![self.nv(*dispute_id), V::S(h256(*task_id)), self.nv(*bond), i(b)]).await?
            }
            Op::RoundOpened { dispute_id, round, seats } => {
                self.ensure_dispute(tx, *dispute_id, b).await?;
                self.run(tx, "UPDATE disputes SET round = $2, seats = $3, updated_block = $4 WHERE dispute_id = #1",
                    vec![self.nv(*dispute_id), V::I(u256_i64(*round)), V::I(u256_i64(*seats)), i(b)]).await?
            }
            Op::PhaseChanged { dispute_id, phase, deadline } => {
                self.ensure_dispute(tx, *dispute_id, b).await?;
                let name = crate::decode::PHASE_NAMES.get(*phase as usize).copied().unwrap_or("Unknown");
                self.run(tx, "UPDATE disputes SET phase = $2, deadline = $3, updated_block = $4 WHERE dispute_id = #1",
                    vec![self.nv(*dispute_id), V::S(name.into()), V::I(u256_i64(*deadline)), i(b)]).await?
            }
            Op::Ruled { dispute_id, ruling, solved } => {
                self.ensure_dispute(tx, *dispute_id, b).await?;
                self.run(tx, "UPDATE disputes SET ruling = $2, solved = CASE WHEN $3 = 1 THEN 1 ELSE solved END, phase = CASE WHEN $3 = 1 THEN 'Solved' ELSE phase END, updated_block = $4 WHERE dispute_id = #1",
                    vec![self.nv(*dispute_id), V::I(u256_i64(*ruling)), V::I((*solved).into()), i(b)]).await?
            }
            Op::RulingDelivered { dispute_id } => {
                self.ensure_dispute(tx, *dispute_id, b).await?;
                self.run(tx, "UPDATE disputes SET delivered = 1, updated_block = $2 WHERE dispute_id = #1",
                    vec![self.nv(*dispute_id), i(b)]).await?
            }
            Op::SeatDrawn { dispute_id, round, juror } => {
                self.ensure_seat(tx, *dispute_id, *round, *juror, b).await?
            }
            Op::VoteCommitted { dispute_id, round, juror, commitment } => {
                self.ensure_seat(tx, *dispute_id, *round, *juror, b).await?;
                self.run(tx, "UPDATE votes SET state = 'Committed', commitment = $4 WHERE dispute_id = #1 AND round = $2 AND juror = $3",
                    vec![self.nv(*dispute_id), V::I(u256_i64(*round)), V::S(addr(*juror)), V::S(h256(*commitment))]).await?
            }
            Op::VoteRevealed { dispute_id, round, juror, choice } => {
                self.ensure_seat(tx, *dispute_id, *round, *juror, b).await?;
                self.run(tx, "UPDATE votes SET state = 'Revealed', choice = $4 WHERE dispute_id = #1 AND round = $2 AND juror = $3",
                    vec![self.nv(*dispute_id), V::I(u256_i64(*round)), V::S(addr(*juror)), V::I(u256_i64(*choice))]).await?
            }
            Op::SeatSettled { dispute_id, round, juror, verdict, stake_back, fee_reward, stake_reward } => {
                self.ensure_seat(tx, *dispute_id, *round, *juror, b).await?;
                let name = crate::decode::VERDICT_NAMES.get(*verdict as usize).copied().unwrap_or("Unknown");
                self.run(tx, "UPDATE votes SET state = 'Settled', verdict = $4, stake_back = #5, fee_reward = #6, stake_reward = #7 \
                              WHERE dispute_id = #1 AND round = $2 AND juror = $3",
                    vec![self.nv(*dispute_id), V::I(u256_i64(*round)), V::S(addr(*juror)), V::S(name.into()),
                         self.nv(*stake_back), self.nv(*fee_reward), self.nv(*stake_reward)]).await?
            }
            Op::JurorStake { juror, stake } => {
                self.run(tx, "INSERT INTO jurors (juror, stake, updated_block) VALUES ($1, #2, $3) \
                              ON CONFLICT (juror) DO UPDATE SET stake = excluded.stake, updated_block = excluded.updated_block",
                    vec![V::S(addr(*juror)), self.nv(*stake), i(b)]).await?
            }
            Op::JurorLeave { juror, available_at } => {
                self.run(tx, "INSERT INTO jurors (juror, stake, leave_available_at, updated_block) VALUES ($1, #2, $3, $4) \
                              ON CONFLICT (juror) DO UPDATE SET leave_available_at = excluded.leave_available_at, updated_block = excluded.updated_block",
                    vec![V::S(addr(*juror)), self.nv(U256::ZERO), V::I(u256_i64(*available_at)), i(b)]).await?
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::{Address, B256},
        sol_types::SolEvent,
    };
    use aos_chain::karma_registry::{IKarmaRegistry, KarmaRegistry};
    use sqlx::Row;

    use crate::{
        Store,
        decode::{Addresses, RawLog, decode},
        store::Batch,
    };

    fn karma_log(k: IKarmaRegistry::Karma, block: u64, karma: Address) -> RawLog {
        let ev = KarmaRegistry::KarmaRecorded {
            agent: Address::repeat_byte(0xa),
            domain: B256::repeat_byte(0xd),
            outcome: 1,
            level: 0,
            karma: k,
        };
        let data = ev.encode_log_data();
        RawLog {
            block_number: block,
            block_hash: B256::with_last_byte(block as u8),
            block_timestamp: Some(1_000 + block),
            log_index: 0,
            tx_hash: B256::ZERO,
            address: karma,
            topics: data.topics().to_vec(),
            data: data.data,
        }
    }

    /// Issue 12: the mirror stored counters it recomputed (`tasks + 1` per event, without
    /// the contract's saturation); now it stores the record the event carries, so a
    /// saturated counter stays saturated and equals the contract's.
    #[tokio::test]
    async fn karma_rows_are_the_records_the_contract_emitted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(dir.path().join("k.sqlite").to_str().unwrap())
            .await
            .unwrap();
        let addrs = Addresses {
            market: Address::repeat_byte(1),
            registry: Address::repeat_byte(2),
            karma: Address::repeat_byte(3),
            court: Address::repeat_byte(4),
        };
        let rec = |acc: u64, at: u64| IKarmaRegistry::Karma {
            accuracy: acc,
            completion: 2 * acc,
            updatedAt: alloy::primitives::aliases::U40::from(at),
            tasks: u32::MAX,
            disputesWon: alloy::primitives::aliases::U24::from(0xff_ffffu32),
            disputesLost: alloy::primitives::aliases::U24::from(3u32),
        };
        for (block, acc) in [(1u64, 100u64), (2, 200)] {
            let l = karma_log(rec(acc, 5_000 + block), block, addrs.karma);
            let d = decode(&addrs, &l).unwrap();
            let batch = Batch {
                logs: vec![(l, d)],
                ..Batch::default()
            };
            store.apply_batch(31337, &batch).await.unwrap();
        }
        let row = sqlx::query(
            "SELECT accuracy, completion, updated_at, tasks, disputes_won, disputes_lost, last_outcome FROM karma",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        let got: (i64, i64, i64, i64, i64, i64, String) = (
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
            row.get(6),
        );
        assert_eq!(
            got,
            (
                200,
                400,
                5_002,
                i64::from(u32::MAX),
                0xff_ffff,
                3,
                "DisputeWon".to_owned()
            )
        );
    }
}
