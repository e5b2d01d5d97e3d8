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
//! append-only rows (claims, submissions, evidence, withdrawals) and block hashes above the
//! ancestor; delete the touched entities' derived rows and rebuild them by replaying their
//! remaining raw events through the same [`decode`](crate::decode::decode) code, applying
//! only the ops of the touched entities; move the cursor to the ancestor.
//!
//! Files: this one (types, connection, dialect), `sql` (bind values, `VALUES` lists,
//! parsing), `write` (batches), `project` (op → derived rows), `rollback` (reorgs), `read`
//! (cursor, block window, rows for the API).

mod project;
mod read;
mod rollback;
mod sql;
mod write;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{B256, U256};
use sqlx::{AnyPool, any::AnyPoolOptions, migrate::Migrator};

use sql::V;

use crate::decode::{Decoded, RawLog};

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
}
