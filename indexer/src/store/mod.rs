//! The SQL mirror.
//!
//! **Dialects.** One [`sqlx::AnyPool`] serves SQLite and PostgreSQL; the SQL is written once
//! with `$N` placeholders (both drivers accept them) and the only dialect differences are
//! handled here: uint256 parameters are written `#N` in the statement templates and become
//! `$N::numeric` on PostgreSQL (columns `NUMERIC(78,0)`) and `$N` on SQLite, where the value
//! is bound as a decimal string left-padded with zeros to 78 digits so that text comparison
//! and `ORDER BY` are numeric (see [`Store::num`]); reading back, PostgreSQL numerics are
//! selected as `col::text`. Each dialect has its own migration set
//! (`indexer/migrations/{sqlite,postgres}`), run by `sqlx::migrate!` at connect.
//!
//! **Writes.** [`Store::apply_batch`] writes a batch's blocks, raw events (unique on
//! `(chain_id, block_hash, log_index)`, `ON CONFLICT DO NOTHING`), derived rows and the
//! cursor in one transaction.
//!
//! **Reorgs.** [`Store::rollback_to`] (one transaction): decode the raw events above the
//! common ancestor to learn which entities ([`Key`]) they touched; delete those events, the
//! append-only rows (claims, submissions, withdrawals) and block hashes above the ancestor;
//! delete the touched entities' derived rows and rebuild them by replaying their remaining
//! raw events through the same [`decode`](crate::decode::decode) code, applying only the ops
//! of the touched entities; move the cursor to the ancestor.

use std::{
    collections::{BTreeSet, HashMap},
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{Address, B256, Bytes, U256};
use serde_json::{Map, Value};
use sqlx::{
    AnyConnection, AnyPool, Row,
    any::{AnyPoolOptions, AnyRow},
    migrate::Migrator,
};

use crate::decode::{Addresses, Decoded, Key, Op, RawLog, addr, decode, h256};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Rows per multi-row `INSERT` (well below SQLite's 32,766 and PostgreSQL's 65,535 bind
/// parameters for the widest table).
const CHUNK: usize = 500;

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQL error (connection, constraint, syntax).
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// Running the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names no supported database.
    #[error("unsupported database URL {0:?} (use a file path, sqlite://… or postgres://…)")]
    Url(String),
    /// A stored value does not parse (the database was edited by hand?).
    #[error("corrupt value in column {column}: {value:?}")]
    Corrupt {
        /// Column.
        column: &'static str,
        /// Value.
        value: String,
    },
}

/// Which SQL dialect a [`Store`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (a file).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A block the mirror knows: number, hash, parent hash, timestamp (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRow {
    /// Number.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Unix seconds.
    pub timestamp: u64,
}

/// The last block fully mirrored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: B256,
    /// Its timestamp (unix seconds).
    pub timestamp: u64,
}

/// One batch to write atomically.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Decoded logs in chain order.
    pub logs: Vec<(RawLog, Decoded)>,
    /// Block headers to remember (reorg window).
    pub blocks: Vec<BlockRow>,
    /// The new cursor (the last block of the range).
    pub cursor: Option<BlockRow>,
    /// Forget block hashes below this number.
    pub prune_below: u64,
}

/// What a rollback did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollbackStats {
    /// Raw events deleted.
    pub events_removed: u64,
    /// Entities rebuilt.
    pub entities_rebuilt: u64,
    /// Raw events replayed to rebuild them.
    pub events_replayed: u64,
}

/// A column's kind, for turning rows into JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum K {
    /// i64 → number.
    I,
    /// text → string.
    T,
    /// uint256 → decimal string.
    N,
    /// 0/1 → bool.
    B,
    /// JSON text → value.
    J,
}

/// The SQL mirror (cheap to clone: a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    templates: Arc<Mutex<HashMap<&'static str, &'static str>>>,
}

enum V {
    I(i64),
    S(String),
    OS(Option<String>),
    OI(Option<i64>),
}

fn i(v: u64) -> V {
    V::I(i64::try_from(v).unwrap_or(i64::MAX))
}

fn u256_i64(v: U256) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

type Q<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_all(mut q: Q<'_>, vals: Vec<V>) -> Q<'_> {
    for v in vals {
        q = match v {
            V::I(x) => q.bind(x),
            V::S(x) => q.bind(x),
            V::OS(x) => q.bind(x),
            V::OI(x) => q.bind(x),
        };
    }
    q
}

impl Store {
    /// Connect and run the migrations. `url` is `postgres://…`/`postgresql://…`,
    /// `sqlite://path` / `sqlite:path`, or a plain file path (SQLite, created if missing).
    ///
    /// # Errors
    /// [`StoreError::Url`], connection or migration errors.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (dialect, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_owned())
        } else if url.starts_with("sqlite:") {
            let u = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            (Dialect::Sqlite, u)
        } else if url.contains("://") || url.is_empty() {
            return Err(StoreError::Url(url.to_owned()));
        } else {
            (Dialect::Sqlite, format!("sqlite://{url}?mode=rwc"))
        };
        let opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match dialect {
            Dialect::Sqlite => {
                opts.max_connections(4)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            use sqlx::Executor;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            // 64 MiB page cache: index inserts with random keys (task ids,
                            // block hashes) thrash the default 2 MiB cache on large backfills
                            conn.execute("PRAGMA cache_size = -65536").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Dialect::Postgres => opts.max_connections(8).connect(&url).await?,
        };
        match dialect {
            Dialect::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Dialect::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Self {
            pool,
            dialect,
            templates: Arc::default(),
        })
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pool (for tests and ad-hoc queries).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Close the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A statement template with `#N` uint256 placeholders, in this dialect.
    fn q(&self, tpl: &'static str) -> &'static str {
        let mut m = self.templates.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(tpl)
            .or_insert_with(|| Box::leak(self.render(tpl).into_boxed_str()))
    }

    fn render(&self, tpl: &str) -> String {
        let mut out = String::with_capacity(tpl.len() + 16);
        let mut chars = tpl.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '#' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                match self.dialect {
                    Dialect::Postgres => out.push_str(&format!("${n}::numeric")),
                    Dialect::Sqlite => out.push_str(&format!("${n}")),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// A uint256 as bound to a `#N` parameter: plain decimal on PostgreSQL, zero-padded to
    /// 78 digits on SQLite.
    pub fn num(&self, v: U256) -> String {
        match self.dialect {
            Dialect::Postgres => v.to_string(),
            Dialect::Sqlite => format!("{v:0>78}"),
        }
    }

    /// A select expression that reads uint256 column `col` as text.
    pub(crate) fn num_col(&self, col: &str) -> String {
        match self.dialect {
            Dialect::Postgres => {
                format!("{col}::text AS {}", col.rsplit('.').next().unwrap_or(col))
            }
            Dialect::Sqlite => col.to_owned(),
        }
    }

    fn nv(&self, v: U256) -> V {
        V::S(self.num(v))
    }

    /// The cursor of `chain_id`, if any block was mirrored.
    ///
    /// # Errors
    /// SQL errors, [`StoreError::Corrupt`].
    pub async fn cursor(&self, chain_id: u64) -> Result<Option<Cursor>, StoreError> {
        let row = sqlx::query(
            "SELECT block_number, block_hash, block_timestamp FROM cursor WHERE chain_id = $1",
        )
        .bind(chain_id as i64)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Cursor {
                number: r.try_get::<i64, _>(0)? as u64,
                hash: parse_b256("cursor.block_hash", &r.try_get::<String, _>(1)?)?,
                timestamp: r.try_get::<i64, _>(2)? as u64,
            })
        })
        .transpose()
    }

    /// The chain ids that have a cursor.
    ///
    /// # Errors
    /// SQL errors.
    pub async fn chains(&self) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query("SELECT chain_id FROM cursor")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<i64, _>(0).ok())
            .map(|c| c as u64)
            .collect())
    }

    /// Stored block hashes of `chain_id`, newest first, at most `limit`.
    ///
    /// # Errors
    /// SQL errors, [`StoreError::Corrupt`].
    pub async fn recent_blocks(
        &self,
        chain_id: u64,
        limit: u64,
    ) -> Result<Vec<BlockRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, hash, parent_hash, timestamp FROM blocks WHERE chain_id = $1 \
             ORDER BY number DESC LIMIT $2",
        )
        .bind(chain_id as i64)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BlockRow {
                    number: r.try_get::<i64, _>(0)? as u64,
                    hash: parse_b256("blocks.hash", &r.try_get::<String, _>(1)?)?,
                    parent_hash: parse_b256("blocks.parent_hash", &r.try_get::<String, _>(2)?)?,
                    timestamp: r.try_get::<i64, _>(3)? as u64,
                })
            })
            .collect()
    }

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

    async fn set_cursor(
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

    async fn insert_blocks(
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

    async fn insert_events(
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

    async fn insert_tasks(
        &self,
        tx: &mut AnyConnection,
        rows: &[(&RawLog, &crate::decode::TaskPostedRow)],
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

    async fn run(
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

    async fn ensure_dispute(
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

    async fn ensure_seat(
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

    async fn exec_op(
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
            Op::KarmaRecorded { agent, domain, outcome, level, accuracy, completion } => {
                // IKarmaRegistry: level-0 records of outcomes up to Refused count a task
                let counts = *level == 0 && *outcome <= 4;
                let won = counts && *outcome == 1;
                let lost = counts && *outcome == 2;
                let name = crate::decode::OUTCOME_NAMES.get(*outcome as usize).copied().unwrap_or("Unknown");
                self.run(tx, "INSERT INTO karma (agent, domain, domain_name, accuracy, completion, updated_at, tasks, disputes_won, disputes_lost, last_outcome, updated_block) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (agent, domain) DO UPDATE SET \
                              accuracy = excluded.accuracy, completion = excluded.completion, updated_at = excluded.updated_at, \
                              tasks = karma.tasks + excluded.tasks, disputes_won = karma.disputes_won + excluded.disputes_won, \
                              disputes_lost = karma.disputes_lost + excluded.disputes_lost, last_outcome = excluded.last_outcome, \
                              updated_block = excluded.updated_block",
                    vec![V::S(addr(*agent)), V::S(h256(*domain)), V::S(aos_chain::bytes32_to_domain(*domain).unwrap_or_default()),
                         // WAD scores are EMAs of values in [0, 1e18]: they fit an i64
                         i(*accuracy), i(*completion), i(log.block_timestamp.unwrap_or_default()),
                         V::I(counts.into()), V::I(won.into()), V::I(lost.into()), V::S(name.into()), i(b)]).await?
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

    async fn raw_events(
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

    async fn raw_events_with_id(
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

    /// Run a read query and turn each row into a JSON object using `spec` (column name,
    /// kind). Numeric columns must be selected through [`Store::num_col`].
    pub(crate) async fn json_rows(
        &self,
        sql: &str,
        binds: Vec<String>,
        spec: &[(&str, K)],
    ) -> Result<Vec<Value>, StoreError> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| row_json(r, spec)).collect()
    }

    /// Count rows of `table` (tests, metrics).
    ///
    /// # Errors
    /// SQL errors.
    pub async fn count(&self, table: &str) -> Result<i64, StoreError> {
        let t: String = table
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let r = sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get::<i64, _>(0)?)
    }
}

/// `prefix (..),(..) suffix` with `$N` placeholders; columns in `numeric` get `::numeric`
/// on PostgreSQL.
fn values_sql(
    prefix: &str,
    ncols: usize,
    numeric: &[usize],
    nrows: usize,
    d: Dialect,
    suffix: &str,
) -> String {
    let mut s = String::with_capacity(prefix.len() + suffix.len() + nrows * ncols * 6);
    s.push_str(prefix);
    let mut k = 1;
    for r in 0..nrows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..ncols {
            if c > 0 {
                s.push(',');
            }
            // SQLite: anonymous `?` (in order). With numbered/named parameters, sqlx asks
            // `sqlite3_bind_parameter_name` for each one, a linear walk in SQLite: quadratic
            // (seconds) for a 500-row insert
            if d == Dialect::Sqlite {
                s.push('?');
            } else {
                s.push('$');
                s.push_str(&k.to_string());
            }
            if d == Dialect::Postgres && numeric.contains(&c) {
                s.push_str("::numeric");
            }
            k += 1;
        }
        s.push(')');
    }
    s.push_str(suffix);
    s
}

pub(crate) fn parse_b256(column: &'static str, s: &str) -> Result<B256, StoreError> {
    B256::from_str(s).map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_owned(),
    })
}

/// Parse a stored uint256 (decimal, possibly zero-padded).
pub(crate) fn parse_u256(column: &'static str, s: &str) -> Result<U256, StoreError> {
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(t, 10).map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_owned(),
    })
}

fn row_json(r: &AnyRow, spec: &[(&str, K)]) -> Result<Value, StoreError> {
    let mut m = Map::new();
    for (i, (name, kind)) in spec.iter().enumerate() {
        let v = match kind {
            K::I => r
                .try_get::<Option<i64>, _>(i)?
                .map(Value::from)
                .unwrap_or(Value::Null),
            K::T => r
                .try_get::<Option<String>, _>(i)?
                .map(Value::from)
                .unwrap_or(Value::Null),
            K::B => r
                .try_get::<Option<i64>, _>(i)?
                .map(|x| Value::Bool(x != 0))
                .unwrap_or(Value::Null),
            K::N => match r.try_get::<Option<String>, _>(i)? {
                Some(s) => Value::String(parse_u256("numeric", &s)?.to_string()),
                None => Value::Null,
            },
            K::J => match r.try_get::<Option<String>, _>(i)? {
                Some(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
                None => Value::Null,
            },
        };
        m.insert((*name).to_owned(), v);
    }
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_placeholders_per_dialect() {
        assert_eq!(
            values_sql("I ", 2, &[1], 2, Dialect::Postgres, ""),
            "I ($1,$2::numeric),($3,$4::numeric)"
        );
        assert_eq!(
            values_sql("I ", 2, &[1], 1, Dialect::Sqlite, " X"),
            "I (?,?) X"
        );
    }

    #[test]
    fn padded_uint256_round_trips_and_sorts() {
        let a = format!("{:0>78}", U256::from(9u64));
        let b = format!("{:0>78}", U256::from(10u64));
        assert!(a < b);
        assert_eq!(parse_u256("x", &a).unwrap(), U256::from(9u64));
        assert_eq!(
            parse_u256("x", &format!("{:0>78}", U256::MAX)).unwrap(),
            U256::MAX
        );
        assert_eq!(parse_u256("x", "0").unwrap(), U256::ZERO);
    }
}
