//! The worker loop (DESIGN.md "worker"; white paper §7.2 "Payment Flow").
//!
//! ```text
//!  gossip `tasks` ──┐                      ┌─ claim (stake) ── lost race → Lost (normal)
//!                   ├─▶ intake (bounded) ─▶ decide ─┤
//!  chain TaskPosted ┘   dedup by task id    └─ refuse → Skipped
//!  (polled, cursor in SQLite)
//!  Claimed → run executor → result blob (store + mesh) → Executed → submit(hash) →
//!  Submitted → announce result → wait: Accepted → withdraw → Paid
//! ```
//!
//! Every phase is written to SQLite before the next side effect, so a crash at any point
//! resumes on restart ([`Worker::run`] drives every in-flight row first): a claim whose
//! outcome is unknown is settled by reading the chain; an executed result is submitted; a
//! submitted task waits for acceptance (or finalizes after the review window).
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Worker`], its parts and events, the run loop |
//! | `intake.rs` | candidates from gossip and `TaskPosted` logs, the decision, the claim race |
//! | `blobs.rs` | spec fetch: inline, local store, mesh, HTTP gateway (verified) |
//! | `steps.rs` | the task state machine: settle claim, execute, submit, await payment |
//! | `result.rs` | the result blob's format and the result announcement |
//! | `error.rs` | [`WorkerError`], [`StepError`] and their retry classification |

mod blobs;
mod error;
mod intake;
mod result;
mod steps;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::SolValue;
use aos_chain::task_market::TaskMarket::TaskMarketErrors;
use aos_chain::{AosContracts, ChainError, Revert, TaskParams, task_id_of};
use aos_mesh::BlobStore;
use aos_protocol::AgentKey;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

pub use error::{StepError, WorkerError};
use intake::Candidate;

use crate::config::WorkerConfig;
use crate::executor::Executor;
use crate::store::{Store, TaskPhase};

/// Where a task was first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A gossip announcement.
    Gossip,
    /// A `TaskPosted` log.
    Chain,
}

/// Progress reports (for tests, benchmarks and UIs). Sent with `try_send`: a slow
/// listener loses events, never slows the worker.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// A task was judged.
    Decided {
        /// Task id.
        task_id: B256,
        /// Whether the worker will try to claim.
        claim: bool,
        /// Why not, when not.
        reason: Option<String>,
        /// Where it came from.
        source: Source,
        /// When the decision was made.
        at: Instant,
    },
    /// Our claim was mined.
    Claimed(B256),
    /// Someone else claimed first (`TaskMarketWrongStatus`).
    Lost(B256),
    /// The result was submitted on chain.
    Submitted {
        /// Task id.
        task_id: B256,
        /// BLAKE3 of the result blob.
        result_hash: B256,
    },
    /// Accepted and withdrawn; `amount` in asset units (0 when an earlier withdrawal
    /// already took this task's credit).
    Paid {
        /// Task id.
        task_id: B256,
        /// Amount withdrawn.
        amount: U256,
    },
    /// Could not complete.
    Failed {
        /// Task id.
        task_id: B256,
        /// Why.
        error: String,
    },
}

/// What a worker is made of.
pub struct WorkerParts {
    /// Settings.
    pub config: WorkerConfig,
    /// Contracts, signing as the worker's account.
    pub contracts: AosContracts,
    /// The worker's account (registered in `AgentRegistry`).
    pub account: Address,
    /// The agent key (signs envelopes; its peer id is the mesh identity).
    pub agent_key: AgentKey,
    /// SQLite state.
    pub store: Store,
    /// The mesh, if running (without it the worker uses the chain and the HTTP gateway).
    pub mesh: Option<aos_mesh::Client>,
    /// Local blob store (the mesh's, or one in the data dir).
    pub blobs: BlobStore,
    /// Executors, first match wins.
    pub executors: Vec<Arc<dyn Executor>>,
    /// The rubric judge of self-checks (`verify.judge`), if any.
    pub judge: Option<Box<dyn aos_verify::Judge>>,
    /// Optional progress listener.
    pub events: Option<mpsc::Sender<WorkerEvent>>,
}

impl std::fmt::Debug for WorkerParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerParts")
            .field("account", &self.account)
            .field("executors", &self.executors)
            .field("judge", &self.judge.as_ref().map(|j| j.identity()))
            .finish_non_exhaustive()
    }
}

struct Inner {
    p: WorkerParts,
    chain_id: u64,
    slots: Arc<Semaphore>,
    fetcher: blobs::BlobFetcher,
    /// Held while a claim's same-spec check and its row insert run (intake).
    claim_lock: tokio::sync::Mutex<()>,
    /// The requester's evaluator (aos-verify), signing with the agent key: self-checks.
    evaluator: aos_verify::Evaluator,
}

/// A worker. Cheap to clone.
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("account", &self.inner.p.account)
            .finish()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn is_wrong_status(e: &ChainError) -> bool {
    matches!(
        e.revert(),
        Some(Revert::TaskMarket(TaskMarketErrors::TaskMarketWrongStatus(
            _
        )))
    )
}

/// How long a transaction may take to be mined before its outcome is read from the chain.
const TX_TIMEOUT: Duration = Duration::from_secs(120);

impl Worker {
    /// A worker over its parts.
    pub fn new(mut parts: WorkerParts) -> Self {
        let chain_id = parts.contracts.deployments().chain_id;
        let slots = Arc::new(Semaphore::new(parts.config.max_concurrent_tasks.max(1)));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let fetcher = blobs::BlobFetcher {
            blobs: parts.blobs.clone(),
            mesh: parts.mesh.clone(),
            http,
            gateway: parts.config.blob_gateway.clone(),
        };
        let mut evaluator = aos_verify::Evaluator::new(Some(parts.agent_key.clone()))
            .with_blobs(Arc::new(fetcher.clone()));
        if let Some(j) = parts.judge.take() {
            evaluator = evaluator.with_judge(j);
        }
        Self {
            inner: Arc::new(Inner {
                p: parts,
                chain_id,
                slots,
                fetcher,
                claim_lock: tokio::sync::Mutex::new(()),
                evaluator,
            }),
        }
    }

    fn cfg(&self) -> &WorkerConfig {
        &self.inner.p.config
    }

    fn store(&self) -> &Store {
        &self.inner.p.store
    }

    fn chain(&self) -> &AosContracts {
        &self.inner.p.contracts
    }

    fn emit(&self, e: WorkerEvent) {
        if let Some(tx) = &self.inner.p.events {
            let _ = tx.try_send(e);
        }
    }

    /// Runs until `shutdown` turns true: resumes in-flight tasks, then listens to gossip
    /// and polls the chain. On shutdown, running tasks get 10 s to reach a checkpoint;
    /// whatever is left resumes on the next start.
    ///
    /// # Errors
    /// [`WorkerError`] when the database fails or the mesh subscription cannot be made.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), WorkerError> {
        let mut jobs = JoinSet::new();
        for row in self.store().in_flight().await? {
            let Ok(params) = TaskParams::abi_decode(&row.params) else {
                tracing::error!(task = %row.task_id, "stored params do not decode; marking failed");
                self.store()
                    .set_phase(row.task_id, TaskPhase::Failed, Some("corrupt params"))
                    .await?;
                continue;
            };
            tracing::info!(task = %row.task_id, phase = row.phase.as_str(), "resuming");
            let permit = self.inner.slots.clone().acquire_owned().await.ok();
            let w = self.clone();
            let sd = shutdown.clone();
            jobs.spawn(async move {
                w.drive(params, sd, permit).await;
            });
        }
        let (intake_tx, mut intake) = mpsc::channel::<Candidate>(256);
        let mut side = JoinSet::new();
        self.spawn_sources(&mut side, intake_tx.clone(), shutdown.clone())
            .await?;
        let waiting = Arc::new(Semaphore::new(64));
        loop {
            tokio::select! {
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { break; }
                }
                c = intake.recv() => {
                    let Some(c) = c else { break };
                    // bound the tasks waiting for a slot; beyond, offer it again later
                    let Ok(wait_permit) = waiting.clone().try_acquire_owned() else {
                        tracing::warn!(task = %task_id_of(&c.params), "busy: too many tasks waiting; will look again");
                        c.retry_later(intake_tx.clone());
                        continue;
                    };
                    let w = self.clone();
                    let sd = shutdown.clone();
                    let again = intake_tx.clone();
                    jobs.spawn(async move {
                        w.consider(c, sd, wait_permit, again).await;
                    });
                }
                Some(r) = jobs.join_next(), if !jobs.is_empty() => {
                    if let Err(e) = r && e.is_panic() {
                        tracing::error!(%e, "a task driver panicked");
                    }
                }
            }
        }
        side.abort_all();
        let grace = tokio::time::sleep(Duration::from_secs(10));
        tokio::pin!(grace);
        loop {
            tokio::select! {
                r = jobs.join_next() => if r.is_none() { break },
                _ = &mut grace => {
                    tracing::warn!(left = jobs.len(), "shutdown: aborting tasks still running; they resume on restart");
                    jobs.abort_all();
                    break;
                }
            }
        }
        Ok(())
    }
}
