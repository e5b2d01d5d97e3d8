//! Reorg rollback: delete everything above the common ancestor and rebuild the touched
//! entities by replaying their remaining raw events (see the [module docs](super)).

use std::{collections::BTreeSet, str::FromStr};

use alloy::primitives::{Address, Bytes};
use sqlx::{AnyConnection, Row};

use super::{
    BlockRow, CHUNK, Dialect, RollbackStats, Store, StoreError,
    sql::{V, bind_all, i, parse_b256},
};
use crate::decode::{Addresses, Key, Op, RawLog, addr, decode, h256};

impl Store {
    /// Roll the mirror back to `ancestor` (see the module docs), in one transaction.
    ///
    /// # Errors
    /// SQL errors (nothing changes then).
    pub async fn rollback_to(
        &self,
        chain_id: u64,
        addrs: &Addresses,
        ancestor: &BlockRow,
    ) -> Result<RollbackStats, StoreError> {
        let mut tx = self.pool.begin().await?;
        let above = self
            .raw_events(
                &mut tx,
                "chain_id = $1 AND block_number > $2",
                vec![i(chain_id), i(ancestor.number)],
            )
            .await?;
        let mut keys = BTreeSet::new();
        for l in &above {
            if let Ok(d) = decode(addrs, l) {
                keys.extend(d.ops.iter().filter_map(Op::key));
            }
        }
        let mut stats = RollbackStats {
            events_removed: above.len() as u64,
            ..Default::default()
        };
        let n = i(ancestor.number);
        for sql in [
            "DELETE FROM events WHERE chain_id = $1 AND block_number > $2",
            "DELETE FROM blocks WHERE chain_id = $1 AND number > $2",
        ] {
            bind_all(sqlx::query(sql), vec![i(chain_id), i(ancestor.number)])
                .execute(&mut *tx)
                .await?;
        }
        for sql in [
            "DELETE FROM claims WHERE block_number > $1",
            "DELETE FROM submissions WHERE block_number > $1",
            "DELETE FROM evidence WHERE block_number > $1",
            "DELETE FROM withdrawals WHERE block_number > $1",
        ] {
            bind_all(sqlx::query(sql), vec![i(ancestor.number)])
                .execute(&mut *tx)
                .await?;
        }
        let _ = n;
        // delete the touched entities, then replay what is left of their history
        let (mut tasks, mut disputes, mut accounts) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for k in &keys {
            match k {
                Key::Task(t) => {
                    tasks.insert(h256(*t));
                    self.run(
                        &mut tx,
                        "DELETE FROM tasks WHERE task_id = $1",
                        vec![V::S(h256(*t))],
                    )
                    .await?;
                }
                Key::Agent(a) => {
                    accounts.insert(addr(*a));
                    self.run(
                        &mut tx,
                        "DELETE FROM agents WHERE account = $1",
                        vec![V::S(addr(*a))],
                    )
                    .await?;
                }
                Key::Dispute(d) => {
                    disputes.insert(self.num(*d));
                    self.run(
                        &mut tx,
                        "DELETE FROM disputes WHERE dispute_id = #1",
                        vec![self.nv(*d)],
                    )
                    .await?;
                    self.run(
                        &mut tx,
                        "DELETE FROM votes WHERE dispute_id = #1",
                        vec![self.nv(*d)],
                    )
                    .await?;
                }
                Key::Juror(j) => {
                    accounts.insert(addr(*j));
                    self.run(
                        &mut tx,
                        "DELETE FROM jurors WHERE juror = $1",
                        vec![V::S(addr(*j))],
                    )
                    .await?;
                }
                Key::Karma(a, d) => {
                    accounts.insert(addr(*a));
                    self.run(
                        &mut tx,
                        "DELETE FROM karma WHERE agent = $1 AND domain = $2",
                        vec![V::S(addr(*a)), V::S(h256(*d))],
                    )
                    .await?;
                }
                Key::Earnings(a, s) => {
                    accounts.insert(addr(*a));
                    self.run(
                        &mut tx,
                        "DELETE FROM earnings WHERE agent = $1 AND asset = $2",
                        vec![V::S(addr(*a)), V::S(addr(*s))],
                    )
                    .await?;
                }
            }
        }
        stats.entities_rebuilt = keys.len() as u64;
        let mut replay: Vec<(i64, RawLog)> = Vec::new();
        for (col, set, numeric) in [
            ("task_id", &tasks, false),
            ("dispute_id", &disputes, true),
            ("account", &accounts, false),
        ] {
            let set: Vec<&String> = set.iter().collect();
            for chunk in set.chunks(CHUNK) {
                let ph: Vec<String> = (0..chunk.len())
                    .map(|k| match (numeric, self.dialect) {
                        (true, Dialect::Postgres) => format!("${}::numeric", k + 2),
                        (_, Dialect::Postgres) => format!("${}", k + 2),
                        (_, Dialect::Sqlite) => "?".to_owned(),
                    })
                    .collect();
                let mut vals = vec![i(chain_id)];
                vals.extend(chunk.iter().map(|s| V::S((*s).clone())));
                let rows = self
                    .raw_events_with_id(
                        &mut tx,
                        &format!(
                            "chain_id = {} AND {col} IN ({})",
                            if self.dialect == Dialect::Sqlite {
                                "?"
                            } else {
                                "$1"
                            },
                            ph.join(", ")
                        ),
                        vals,
                    )
                    .await?;
                replay.extend(rows);
            }
        }
        replay.sort_by_key(|(id, l)| (l.block_number, l.log_index, *id));
        replay.dedup_by_key(|(id, _)| *id);
        for (_, l) in &replay {
            let Ok(d) = decode(addrs, l) else { continue };
            let mut used = false;
            for op in d
                .ops
                .iter()
                .filter(|op| op.key().is_some_and(|k| keys.contains(&k)))
            {
                self.exec_op(&mut tx, l, op).await?;
                used = true;
            }
            stats.events_replayed += u64::from(used);
        }
        self.set_cursor(&mut tx, chain_id, ancestor).await?;
        tx.commit().await?;
        Ok(stats)
    }

    pub(super) async fn raw_events(
        &self,
        tx: &mut AnyConnection,
        filter: &str,
        vals: Vec<V>,
    ) -> Result<Vec<RawLog>, StoreError> {
        Ok(self
            .raw_events_with_id(tx, filter, vals)
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect())
    }

    pub(super) async fn raw_events_with_id(
        &self,
        tx: &mut AnyConnection,
        filter: &str,
        vals: Vec<V>,
    ) -> Result<Vec<(i64, RawLog)>, StoreError> {
        let sql = format!(
            "SELECT id, block_number, block_hash, block_timestamp, log_index, tx_hash, address, topics, data \
             FROM events WHERE {filter} ORDER BY block_number, log_index"
        );
        let rows = bind_all(sqlx::query(&sql), vals)
            .fetch_all(&mut *tx)
            .await?;
        rows.iter()
            .map(|r| {
                let topics: String = r.try_get(7)?;
                let data: String = r.try_get(8)?;
                Ok((
                    r.try_get::<i64, _>(0)?,
                    RawLog {
                        block_number: r.try_get::<i64, _>(1)? as u64,
                        block_hash: parse_b256("events.block_hash", &r.try_get::<String, _>(2)?)?,
                        block_timestamp: r.try_get::<Option<i64>, _>(3)?.map(|t| t as u64),
                        log_index: r.try_get::<i64, _>(4)? as u64,
                        tx_hash: parse_b256("events.tx_hash", &r.try_get::<String, _>(5)?)?,
                        address: Address::from_str(&r.try_get::<String, _>(6)?).map_err(|_| {
                            StoreError::Corrupt {
                                column: "events.address",
                                value: String::new(),
                            }
                        })?,
                        topics: topics
                            .split_whitespace()
                            .map(|t| parse_b256("events.topics", t))
                            .collect::<Result<_, _>>()?,
                        data: Bytes::from_str(&data).map_err(|_| StoreError::Corrupt {
                            column: "events.data",
                            value: data.clone(),
                        })?,
                    },
                ))
            })
            .collect()
    }
}
