//! The indexer loop.
//!
//! Each step: read the head (`eth_blockNumber` minus the confirmations depth); check that
//! the cursor's block is still canonical (else [reorg handling](#reorgs)); take the next
//! range `[cursor + 1, min(head, cursor + range)]`; fetch the headers of the blocks of that
//! range that lie within `reorg_window` of the head (plus always the range's last block), and
//! check that they chain onto each other and onto the cursor; `eth_getLogs` over the four
//! contracts; check that every log's block hash is the header's; decode; write everything
//! with the new cursor in one transaction.
//!
//! **Adaptive range.** Starts at `initial_range` blocks. A range-cap error (or a timeout) of
//! `eth_getLogs` cuts it to the provider's suggested end if given, else halves it (floor 1);
//! after two successes in a row it doubles again, up to `max_range`. A range that returned
//! more than `target_logs` logs is scaled down to aim at `target_logs` next time.
//!
//! This is not `aos_chain::LogScanner` (the scanner the worker, the CLI and the coordinator
//! share): the indexer's ranges also carry the reorg-window headers checked against each
//! log's block hash, are sized by events per range (`target_logs`), and export range, retry
//! and timeout metrics; the shared scanner does none of that. Both recognise providers'
//! range-cap errors with the same `aos_chain::is_range_error`.
//!
//! # Reorgs
//! If the cursor's hash is no longer the canonical hash at its height (found at any step,
//! including the first after a restart — a reorg while the indexer was down), walk the stored
//! block hashes from the newest down, comparing each with the canonical chain: the first
//! match is the common ancestor, and [`Store::rollback_to`] rewinds to it in one transaction;
//! the next steps replay the new branch. If no stored block within `reorg_window` of the
//! cursor matches, the indexer stops with [`IndexerError::DeepReorg`] rather than diverge.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use alloy::primitives::B256;
use aos_chain::Deployments;
use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;

use crate::{
    IndexerError, Metrics, Rpc, RpcError, Store,
    decode::{Addresses, decode},
    store::{Batch, BlockRow, Cursor, StoreError},
};

/// Indexer tuning.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    /// Blocks to stay behind the head (0 = follow the head itself).
    pub confirmations: u64,
    /// How many recent block hashes are kept; the deepest reorg that can be repaired.
    pub reorg_window: u64,
    /// Sleep between head polls when caught up.
    pub poll_interval: Duration,
    /// First `eth_getLogs` range in blocks.
    pub initial_range: u64,
    /// Largest `eth_getLogs` range in blocks.
    pub max_range: u64,
    /// Return from [`Indexer::run`] once the head is reached (backfill only).
    pub exit_at_head: bool,
    /// Logs per range to aim at: a range that returned more shrinks proportionally
    /// (huge responses and transactions are slower per event).
    pub target_logs: u64,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            confirmations: 0,
            reorg_window: 128,
            poll_interval: Duration::from_millis(500),
            initial_range: 1_000,
            max_range: 10_000,
            exit_at_head: false,
            target_logs: 10_000,
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Mirrored a range of `blocks` blocks holding `events` events.
    Progress {
        /// Blocks in the range.
        blocks: u64,
        /// Events written.
        events: u64,
    },
    /// Nothing new.
    AtHead,
    /// The range was too large for the provider; it was shrunk.
    Shrunk,
    /// Rolled back to a common ancestor.
    Reorged,
    /// The chain moved under the step (inconsistent answers); try again.
    Retry,
}

/// The chain → SQL mirror.
#[derive(Debug)]
pub struct Indexer {
    rpc: Rpc,
    store: Store,
    deployments: Deployments,
    addrs: Addresses,
    cfg: IndexerConfig,
    metrics: Metrics,
    range: u64,
    successes: u32,
    cursor: Option<Cursor>,
    initialised: bool,
    progress: Option<ProgressBar>,
    started: Instant,
    events_done: u64,
    writer: Option<Writer>,
}

/// The SQL writer task: batches are committed in order while the loop fetches the next
/// range (one batch in flight, bounded channel).
#[derive(Debug)]
struct Writer {
    tx: tokio::sync::mpsc::Sender<WriterMsg>,
    task: tokio::task::JoinHandle<Result<(), StoreError>>,
}

#[derive(Debug)]
enum WriterMsg {
    Batch(Box<Batch>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl Indexer {
    /// An indexer of `deployments` reading `rpc` into `store`.
    pub fn new(
        rpc: Rpc,
        store: Store,
        deployments: Deployments,
        cfg: IndexerConfig,
        metrics: Metrics,
    ) -> Self {
        let range = cfg.initial_range.clamp(1, cfg.max_range.max(1));
        Self {
            addrs: Addresses::from(&deployments),
            rpc,
            store,
            deployments,
            cfg,
            metrics,
            range,
            successes: 0,
            cursor: None,
            initialised: false,
            progress: None,
            started: Instant::now(),
            events_done: 0,
            writer: None,
        }
    }

    /// Show backfill progress on `bar` (blocks done / total, events/s).
    #[must_use]
    pub fn with_progress(mut self, bar: ProgressBar) -> Self {
        self.progress = Some(bar);
        self
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The last mirrored block.
    pub fn cursor(&self) -> Option<Cursor> {
        self.cursor
    }

    /// Run until the head (when `exit_at_head`) or forever. Transient RPC failures are
    /// logged and retried.
    ///
    /// # Errors
    /// [`IndexerError::DeepReorg`], database errors, chain-id mismatch, fatal RPC errors.
    pub async fn run(&mut self) -> Result<(), IndexerError> {
        let mut failures = 0u32;
        loop {
            match self.step().await {
                Ok(Step::AtHead) => {
                    failures = 0;
                    self.flush().await?;
                    if let Some(pb) = self.progress.as_ref().filter(|pb| !pb.is_finished()) {
                        pb.finish_with_message("caught up; following the head");
                    }
                    if self.cfg.exit_at_head {
                        return Ok(());
                    }
                    tokio::time::sleep(self.cfg.poll_interval).await;
                }
                Ok(Step::Retry) => {
                    tokio::time::sleep(self.cfg.poll_interval.min(Duration::from_millis(200))).await
                }
                Ok(_) => failures = 0,
                Err(e) if e.is_retryable() => {
                    failures = failures.saturating_add(1);
                    let wait = Duration::from_millis(200u64 << failures.min(5));
                    tracing::warn!(error = %e, ?wait, "indexer step failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "indexer stopped");
                    return Err(e);
                }
            }
        }
    }

    async fn init(&mut self) -> Result<(), IndexerError> {
        let chain = self.rpc.chain_id().await?;
        if chain != self.deployments.chain_id {
            return Err(IndexerError::ChainIdMismatch {
                rpc: chain,
                deployments: self.deployments.chain_id,
            });
        }
        if let Some(other) = self.store.chains().await?.into_iter().find(|c| *c != chain) {
            return Err(IndexerError::WrongDatabase {
                stored: other,
                requested: chain,
            });
        }
        self.cursor = self.store.cursor(chain).await?;
        if self.cursor.is_none() && self.deployments.start_block > 0 {
            // anchor just below the deployment so the first range is checked against it
            let n = self.deployments.start_block - 1;
            let b = self
                .rpc
                .header(n)
                .await?
                .ok_or_else(|| RpcError::Inconsistent(format!("no block {n}")))?;
            let batch = Batch {
                blocks: vec![b],
                cursor: Some(b),
                prune_below: 0,
                ..Default::default()
            };
            self.store.apply_batch(chain, &batch).await?;
            self.cursor = Some(Cursor {
                number: b.number,
                hash: b.hash,
                timestamp: b.timestamp,
            });
        }
        if let Some(c) = self.cursor {
            self.metrics.last_block.set(c.number as i64);
        }
        self.initialised = true;
        Ok(())
    }

    /// One step of the loop (see the module docs).
    ///
    /// # Errors
    /// As [`Indexer::run`], plus transient RPC errors.
    pub async fn step(&mut self) -> Result<Step, IndexerError> {
        if !self.initialised {
            self.init().await?;
        }
        let head = self
            .rpc
            .block_number()
            .await?
            .saturating_sub(self.cfg.confirmations);
        self.metrics.head_block.set(head as i64);
        if let Some(c) = self.cursor {
            let canon = self.rpc.header(c.number).await?;
            if canon.map(|b| b.hash) != Some(c.hash) {
                self.handle_reorg(c).await?;
                return Ok(Step::Reorged);
            }
            self.metrics
                .lag_blocks
                .set(head.saturating_sub(c.number) as i64);
            if c.number >= head {
                return Ok(Step::AtHead);
            }
        }
        let from = self
            .cursor
            .map_or(self.deployments.start_block, |c| c.number + 1);
        if from > head {
            return Ok(Step::AtHead);
        }
        let to = head.min(from.saturating_add(self.range - 1));
        self.metrics.range.set(self.range as i64);

        // headers of the blocks near the head (the reorg window) and of the range's end
        let hdr_from = from
            .max(head.saturating_sub(self.cfg.reorg_window) + 1)
            .min(to);
        let headers: Vec<Option<BlockRow>> = futures::stream::iter(hdr_from..=to)
            .map(|n| self.rpc.header(n))
            .buffered(8)
            .try_collect()
            .await?;
        let Some(headers) = headers.into_iter().collect::<Option<Vec<_>>>() else {
            return Ok(Step::Retry); // the chain got shorter under us
        };
        for w in headers.windows(2) {
            if w[1].parent_hash != w[0].hash {
                return Ok(Step::Retry);
            }
        }
        if let (Some(c), Some(first)) = (self.cursor, headers.first())
            && first.number == c.number + 1
            && first.parent_hash != c.hash
        {
            return Ok(Step::Retry); // the next step's cursor check will find the reorg
        }
        let end = *headers.last().expect("hdr_from <= to");

        let t_fetch = Instant::now();
        let mut logs = match self.rpc.logs(from, to, &self.addrs.all()).await {
            Ok(l) => l,
            Err(RpcError::RangeTooLarge {
                suggested_to,
                message,
            }) => {
                let old = self.range;
                self.range = suggested_to
                    .filter(|s| *s >= from && *s < to)
                    .map_or(self.range / 2, |s| s - from + 1)
                    .max(1);
                self.successes = 0;
                tracing::info!(old, new = self.range, %message, "eth_getLogs range too large; shrinking");
                return Ok(Step::Shrunk);
            }
            Err(e @ RpcError::Timeout { .. }) => {
                self.range = (self.range / 2).max(1);
                self.successes = 0;
                tracing::warn!(error = %e, new = self.range, "eth_getLogs timed out; shrinking the range");
                return Ok(Step::Shrunk);
            }
            Err(e) => return Err(e.into()),
        };
        let by_number: HashMap<u64, &BlockRow> = headers.iter().map(|h| (h.number, h)).collect();
        let mut missing_ts = Vec::new();
        for l in &logs {
            if l.block_number < from || l.block_number > to {
                return Ok(Step::Retry);
            }
            if let Some(h) = by_number.get(&l.block_number) {
                if h.hash != l.block_hash {
                    return Ok(Step::Retry);
                }
            } else if l.block_timestamp.is_none() {
                missing_ts.push(l.block_number);
            }
        }
        let mut ts: HashMap<u64, (B256, u64)> = headers
            .iter()
            .map(|h| (h.number, (h.hash, h.timestamp)))
            .collect();
        missing_ts.dedup();
        for n in missing_ts {
            if let Some(h) = self.rpc.header(n).await? {
                ts.insert(n, (h.hash, h.timestamp));
            }
        }
        let mut batch = Batch {
            blocks: headers.clone(),
            cursor: Some(end),
            prune_below: end.number.saturating_sub(self.cfg.reorg_window),
            logs: Vec::with_capacity(logs.len()),
        };
        for mut l in logs.drain(..) {
            if l.block_timestamp.is_none() {
                match ts.get(&l.block_number) {
                    Some((h, t)) if *h == l.block_hash => l.block_timestamp = Some(*t),
                    _ => return Ok(Step::Retry),
                }
            }
            match decode(&self.addrs, &l) {
                Ok(d) => batch.logs.push((l, d)),
                Err(e) => {
                    self.metrics.skipped.with_label_values(&[e.label()]).inc();
                    let cause = std::error::Error::source(&e).map(ToString::to_string);
                    tracing::warn!(block = l.block_number, log_index = l.log_index, tx = %l.tx_hash, error = %e, cause, "skipping log");
                }
            }
        }
        let fetch_ms = t_fetch.elapsed().as_millis() as u64;
        let n_events = batch.logs.len() as u64;
        self.write(batch).await?;
        self.cursor = Some(Cursor {
            number: end.number,
            hash: end.hash,
            timestamp: end.timestamp,
        });
        if n_events > self.cfg.target_logs {
            // dense blocks: aim the next range at `target_logs` logs
            self.range = (self.range.saturating_mul(self.cfg.target_logs) / n_events).max(1);
            self.successes = 0;
        } else {
            self.successes += 1;
            if self.successes >= 2 {
                self.range = (self.range.saturating_mul(2)).min(self.cfg.max_range.max(1));
                self.successes = 0;
            }
        }
        self.events_done += n_events;
        self.metrics.events.inc_by(n_events);
        self.metrics.last_block.set(end.number as i64);
        self.metrics
            .lag_blocks
            .set(head.saturating_sub(end.number) as i64);
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        self.metrics
            .events_per_second
            .set(self.events_done as f64 / secs);
        tracing::debug!(
            from,
            to,
            events = n_events,
            fetch_decode_ms = fetch_ms,
            "range fetched"
        );
        if let Some(pb) = &self.progress {
            let start = self.deployments.start_block;
            pb.set_length(head.saturating_sub(start) + 1);
            pb.set_position(end.number.saturating_sub(start) + 1);
            pb.set_message(format!(
                "{} events, {:.0} events/s",
                self.events_done,
                self.events_done as f64 / secs
            ));
        }
        Ok(Step::Progress {
            blocks: to - from + 1,
            events: n_events,
        })
    }

    /// Hand `batch` to the writer task (started on first use).
    async fn write(&mut self, batch: Batch) -> Result<(), IndexerError> {
        let chain = self.deployments.chain_id;
        let writer = self.writer.get_or_insert_with(|| {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<WriterMsg>(1);
            let store = self.store.clone();
            let metrics = self.metrics.clone();
            let task = tokio::spawn(async move {
                while let Some(msg) = rx.recv().await {
                    match msg {
                        WriterMsg::Batch(b) => {
                            let t0 = Instant::now();
                            store.apply_batch(chain, &b).await?;
                            if let Some(c) = &b.cursor {
                                metrics.last_block.set(c.number as i64);
                            }
                            tracing::debug!(
                                events = b.logs.len(),
                                write_ms = t0.elapsed().as_millis() as u64,
                                "batch committed"
                            );
                        }
                        WriterMsg::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
                Ok(())
            });
            Writer { tx, task }
        });
        if writer
            .tx
            .send(WriterMsg::Batch(Box::new(batch)))
            .await
            .is_err()
        {
            return Err(self.writer_failure().await);
        }
        Ok(())
    }

    /// Wait until every batch handed to the writer is committed.
    ///
    /// # Errors
    /// The writer's database error, if a batch failed.
    pub async fn flush(&mut self) -> Result<(), IndexerError> {
        let Some(w) = &self.writer else { return Ok(()) };
        let (done, wait) = tokio::sync::oneshot::channel();
        if w.tx.send(WriterMsg::Flush(done)).await.is_err() || wait.await.is_err() {
            return Err(self.writer_failure().await);
        }
        Ok(())
    }

    async fn writer_failure(&mut self) -> IndexerError {
        let Some(w) = self.writer.take() else {
            return IndexerError::Store(StoreError::Sql(sqlx::Error::PoolClosed));
        };
        drop(w.tx);
        match w.task.await {
            Ok(Err(e)) => e.into(),
            Ok(Ok(())) => IndexerError::Store(StoreError::Sql(sqlx::Error::PoolClosed)),
            Err(e) => IndexerError::Store(StoreError::Sql(sqlx::Error::Io(std::io::Error::other(
                e.to_string(),
            )))),
        }
    }

    async fn handle_reorg(&mut self, cursor: Cursor) -> Result<(), IndexerError> {
        self.flush().await?;
        let chain = self.deployments.chain_id;
        let window = self.cfg.reorg_window;
        let stored = self.store.recent_blocks(chain, window + 2).await?;
        let mut oldest = cursor.number;
        for b in stored {
            if cursor.number.saturating_sub(b.number) > window {
                break;
            }
            oldest = b.number;
            let canon = self.rpc.header(b.number).await?;
            if canon.map(|c| c.hash) == Some(b.hash) {
                let stats = self.store.rollback_to(chain, &self.addrs, &b).await?;
                self.metrics.reorgs.inc();
                self.metrics.last_block.set(b.number as i64);
                tracing::warn!(
                    from = cursor.number,
                    ancestor = b.number,
                    removed = stats.events_removed,
                    rebuilt = stats.entities_rebuilt,
                    replayed = stats.events_replayed,
                    "chain reorganised: rolled back to the common ancestor"
                );
                self.cursor = Some(Cursor {
                    number: b.number,
                    hash: b.hash,
                    timestamp: b.timestamp,
                });
                self.range = self.range.min(window.max(1));
                return Ok(());
            }
        }
        Err(IndexerError::DeepReorg {
            window,
            number: cursor.number,
            stored_hash: format!("{:#x}", cursor.hash),
            oldest_checked: oldest,
        })
    }
}
