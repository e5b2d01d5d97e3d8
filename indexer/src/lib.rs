//! # aos-indexer — the AOS chain mirror and routing API
//!
//! Reads the four AOS contracts' events (`TaskMarket`, `AgentRegistry`, `KarmaRegistry`,
//! `DisputeCourt`) over JSON-RPC and mirrors them into SQL (SQLite by default, PostgreSQL
//! by URL), then serves an HTTP API for routing: open tasks, agents ranked for a task's
//! requirements, karma vectors decayed to now, disputes with their votes.
//!
//! * [`rpc`]: `eth_getLogs`/headers with per-request timeouts, retries with backoff and
//!   recognition of providers' range-cap errors.
//! * [`decode`]: a log → its raw-event row and the derived-table operations it implies.
//! * [`store`]: the SQL mirror (one schema per dialect, `sqlx::migrate!`), batch writes in one
//!   transaction with the cursor, rollback and per-entity rebuild after a reorg, queries.
//! * [`sync`]: the indexer loop: adaptive backfill, head following, reorg detection.
//! * [`karma`]: `KarmaRegistry`'s parameters (half-life), read from the chain at start.
//! * [`api`]: the axum router; its types are `aos-indexer-api`'s (`indexer/openapi.yaml` is
//!   generated from them).
//! * [`cli`]: the `aos-indexer` command line.
//!
//! Events are the source of truth: nothing is read from contract storage, except
//! `KarmaRegistry`'s immutable parameters (read once at start). Karma records are stored as
//! the `KarmaRecorded` event carries them: no contract rule is re-applied here.

pub mod api;
pub mod cli;
pub mod decode;
mod error;
pub mod karma;
pub mod metrics;
pub mod rpc;
pub mod store;
pub mod sync;

pub use error::IndexerError;
pub use karma::{KarmaParameters, KarmaParametersError};
pub use metrics::Metrics;
pub use rpc::{Rpc, RpcConfig, RpcError};
pub use store::{Dialect, Store};
pub use sync::{Indexer, IndexerConfig};
