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

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolEvent, SolValue};
use aos_chain::task_market::TaskMarket;
use aos_chain::{AosContracts, ChainError, TaskParams, TaskStatus, task_id_of};
use aos_mesh::{BlobStore, Topic};
use aos_protocol::envelope::domains;
use aos_protocol::messages::{Executor as ExecutorInfo, Message, TaskResult, TaskSpec, Timing};
use aos_protocol::{AgentKey, ContentId, Envelope};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::announce::task_id_string;
use crate::config::WorkerConfig;
use crate::decide::{OwnKarma, Refusal, check_spec, check_terms};
use crate::executor::{ExecError, Executor, Job};
use crate::store::{Store, StoreError, TaskPhase};

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

/// A worker failure that stops the loop.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Chain.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Mesh.
    #[error(transparent)]
    Mesh(#[from] aos_mesh::MeshError),
}

/// What a worker is made of.
#[derive(Debug)]
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
    /// Optional progress listener.
    pub events: Option<mpsc::Sender<WorkerEvent>>,
}

struct Candidate {
    params: TaskParams,
    spec: Option<Vec<u8>>,
    source: Source,
}

struct Inner {
    p: WorkerParts,
    chain_id: u64,
    slots: Arc<Semaphore>,
    http: reqwest::Client,
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
    e.revert_reason()
        .is_some_and(|r| r.starts_with("TaskMarketWrongStatus"))
}

const CURSOR: &str = "chain_cursor";
/// How long a transaction may take to be mined before its outcome is read from the chain.
const TX_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest block range per `eth_getLogs`.
const LOG_RANGE: u64 = 2_000;

impl Worker {
    /// A worker over its parts.
    pub fn new(parts: WorkerParts) -> Self {
        let chain_id = parts.contracts.deployments().chain_id;
        let slots = Arc::new(Semaphore::new(parts.config.max_concurrent_tasks.max(1)));
        Self {
            inner: Arc::new(Inner {
                p: parts,
                chain_id,
                slots,
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap_or_default(),
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
                w.drive(params, sd).await;
                drop(permit);
            });
        }
        let (intake_tx, mut intake) = mpsc::channel::<Candidate>(256);
        let mut side = JoinSet::new();
        if let Some(mesh) = &self.inner.p.mesh {
            let mut rx = mesh.subscribe(Topic::Tasks).await?;
            let tx = intake_tx.clone();
            side.spawn(async move {
                while let Some(g) = rx.recv().await {
                    if g.envelope.domain != aos_mesh::TASK_ANNOUNCEMENT {
                        continue;
                    }
                    match crate::announce::decode(&g.envelope.payload) {
                        Ok((params, spec)) => {
                            let c = Candidate {
                                params,
                                spec,
                                source: Source::Gossip,
                            };
                            // full: drop; the chain poll will bring it
                            let _ = tx.try_send(c);
                        }
                        Err(e) => tracing::debug!(%e, "bad task announcement"),
                    }
                }
            });
        }
        {
            let w = self.clone();
            let tx = intake_tx.clone();
            let sd = shutdown.clone();
            side.spawn(async move { w.poll_chain(tx, sd).await });
        }
        drop(intake_tx);
        let waiting = Arc::new(Semaphore::new(64));
        loop {
            tokio::select! {
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { break; }
                }
                c = intake.recv() => {
                    let Some(c) = c else { break };
                    // bound the tasks waiting for a slot; beyond, refuse (not recorded, so
                    // a later announcement can bring it back)
                    let Ok(wait_permit) = waiting.clone().try_acquire_owned() else {
                        tracing::warn!(task = %task_id_of(&c.params), "busy: too many tasks waiting");
                        continue;
                    };
                    let w = self.clone();
                    let sd = shutdown.clone();
                    jobs.spawn(async move {
                        w.consider(c, sd, wait_permit).await;
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

    async fn poll_chain(&self, tx: mpsc::Sender<Candidate>, mut shutdown: watch::Receiver<bool>) {
        let market = self.chain().deployments().task_market;
        loop {
            if let Err(e) = self.poll_once(market, &tx).await {
                tracing::warn!(%e, "chain poll failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.cfg().poll_interval()) => {}
                _ = shutdown.changed() => if *shutdown.borrow() { return },
            }
        }
    }

    async fn poll_once(
        &self,
        market: Address,
        tx: &mpsc::Sender<Candidate>,
    ) -> Result<(), WorkerError> {
        let provider = self.chain().provider();
        let latest = provider
            .get_block_number()
            .await
            .map_err(ChainError::from)?;
        let start = self.chain().deployments().start_block;
        let mut from = match self.store().get_counter(CURSOR).await? {
            Some(c) if c > latest => {
                // ahead of the head: a reorg shortened the chain, or this data folder
                // followed another chain; a rescan is safe (known tasks are skipped)
                tracing::warn!(
                    cursor = c,
                    head = latest,
                    "the log cursor is past the chain head: was the chain reset? rescanning \
                     from the deployment block"
                );
                start
            }
            Some(c) => c + 1,
            None => start,
        };
        while from <= latest {
            let to = latest.min(from + LOG_RANGE - 1);
            let filter = Filter::new()
                .address(market)
                .event_signature(TaskMarket::TaskPosted::SIGNATURE_HASH)
                .from_block(from)
                .to_block(to);
            let logs = provider.get_logs(&filter).await.map_err(ChainError::from)?;
            for log in logs {
                match TaskMarket::TaskPosted::decode_log(&log.inner) {
                    Ok(ev) => {
                        let c = Candidate {
                            params: ev.data.params,
                            spec: None,
                            source: Source::Chain,
                        };
                        if tx.send(c).await.is_err() {
                            return Ok(());
                        }
                    }
                    Err(e) => tracing::warn!(%e, "undecodable TaskPosted log"),
                }
            }
            self.store().set_counter(CURSOR, to).await?;
            from = to + 1;
        }
        Ok(())
    }

    /// Fetches and checks the spec blob: inline bytes, the local store, the mesh, then the
    /// HTTP gateway; always verified against `specHash`.
    async fn spec(&self, p: &TaskParams, inline: Option<Vec<u8>>) -> Result<TaskSpec, Refusal> {
        let id = ContentId(p.specHash.0);
        let bytes = match inline {
            Some(b) if id.verify(&b).is_ok() => Some(b),
            _ => None,
        };
        let bytes = match bytes {
            Some(b) => b,
            None => self.fetch_blob(id).await?,
        };
        let _ = self.inner.p.blobs.put(&bytes).await;
        TaskSpec::from_json(&bytes).map_err(|e| Refusal::Spec(e.to_string()))
    }

    /// [`Worker::fetch_blob_once`], three tries one second apart (a provider record may
    /// still be propagating when the `TaskPosted` log arrives).
    async fn fetch_blob(&self, id: ContentId) -> Result<Vec<u8>, Refusal> {
        let mut last = None;
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            match self.fetch_blob_once(id).await {
                Ok(b) => return Ok(b),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Refusal::Spec(format!("blob {id} not found"))))
    }

    async fn fetch_blob_once(&self, id: ContentId) -> Result<Vec<u8>, Refusal> {
        if let Ok(Some(b)) = self.inner.p.blobs.get(&id).await {
            return Ok(b);
        }
        if let Some(mesh) = &self.inner.p.mesh {
            match tokio::time::timeout(Duration::from_secs(15), mesh.get_blob(id)).await {
                Ok(Ok(b)) => return Ok(b),
                Ok(Err(e)) => tracing::debug!(%id, %e, "mesh fetch failed"),
                Err(_) => tracing::debug!(%id, "mesh fetch timed out"),
            }
        }
        if let Some(base) = &self.cfg().blob_gateway {
            let url = format!("{}/{id}", base.trim_end_matches('/'));
            if let Ok(r) = self.inner.http.get(&url).send().await
                && r.status().is_success()
                && let Ok(b) = r.bytes().await
                && id.verify(&b).is_ok()
            {
                return Ok(b.to_vec());
            }
        }
        Err(Refusal::Spec(format!("blob {id} not found")))
    }

    async fn own_karma(&self, p: &TaskParams) -> OwnKarma {
        if p.minAccuracy == 0 && p.minCompletion == 0 {
            return OwnKarma::default();
        }
        match self
            .chain()
            .karma_scores(self.inner.p.account, p.domain)
            .await
        {
            Ok((a, c)) => OwnKarma {
                accuracy_wad: a.saturating_to(),
                completion_wad: c.saturating_to(),
            },
            Err(e) => {
                tracing::warn!(%e, "cannot read own karma");
                OwnKarma::default()
            }
        }
    }

    /// Judges a task (terms, spec, karma); `Ok(spec)` when it should be claimed.
    async fn decide(&self, c: &Candidate) -> Result<TaskSpec, Refusal> {
        let now_s = now_ms() / 1000;
        check_terms(self.cfg(), self.inner.p.account, &c.params, now_s)?;
        let spec = self.spec(&c.params, c.spec.clone()).await?;
        let karma = self.own_karma(&c.params).await;
        let execs = &self.inner.p.executors;
        check_spec(self.cfg(), &c.params, &spec, karma, |t| {
            execs.iter().any(|e| e.accepts(t))
        })?;
        Ok(spec)
    }

    async fn consider(
        &self,
        c: Candidate,
        shutdown: watch::Receiver<bool>,
        wait_permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        let task_id = task_id_of(&c.params);
        match self.store().task(task_id).await {
            Ok(None) => {}
            Ok(Some(_)) => return,
            Err(e) => {
                tracing::error!(%e, "database");
                return;
            }
        }
        let verdict = self.decide(&c).await;
        self.emit(WorkerEvent::Decided {
            task_id,
            claim: verdict.is_ok(),
            reason: verdict.as_ref().err().map(ToString::to_string),
            source: c.source,
            at: Instant::now(),
        });
        let params_abi = c.params.abi_encode();
        if let Err(why) = verdict {
            tracing::debug!(task = %task_id, %why, "not claiming");
            if !matches!(why, Refusal::Spec(_))
                && let Ok(true) = self
                    .store()
                    .insert_task(task_id, &params_abi, TaskPhase::Skipped)
                    .await
            {
                let _ = self
                    .store()
                    .set_phase(task_id, TaskPhase::Skipped, Some(&why.to_string()))
                    .await;
            }
            return;
        }
        let Ok(permit) = self.inner.slots.clone().acquire_owned().await else {
            return;
        };
        drop(wait_permit);
        // the row goes in before the transaction: a crash now is settled from the chain
        match self
            .store()
            .insert_task(task_id, &params_abi, TaskPhase::Claiming)
            .await
        {
            Ok(true) => {}
            Ok(false) => return, // the other source got here first
            Err(e) => {
                tracing::error!(%e, "database");
                return;
            }
        }
        let claim = tokio::time::timeout(TX_TIMEOUT, self.chain().claim(&c.params))
            .await
            .unwrap_or_else(|_| Err(ChainError::Malformed("claim: no receipt in time".into())));
        match claim {
            Ok(_) => {
                tracing::info!(task = %task_id, "claimed");
                let _ = self
                    .store()
                    .set_phase(task_id, TaskPhase::Claimed, None)
                    .await;
                self.emit(WorkerEvent::Claimed(task_id));
            }
            Err(e) if is_wrong_status(&e) => {
                tracing::info!(task = %task_id, "claim race lost: someone else claimed first");
                let _ = self.store().set_phase(task_id, TaskPhase::Lost, None).await;
                self.emit(WorkerEvent::Lost(task_id));
                return;
            }
            Err(e) if e.revert_reason().is_some() => {
                tracing::warn!(task = %task_id, %e, "claim refused");
                let _ = self
                    .store()
                    .set_phase(task_id, TaskPhase::Skipped, Some(&e.to_string()))
                    .await;
                return;
            }
            Err(e) => {
                // unknown outcome (transport): the driver settles it from the chain
                tracing::warn!(task = %task_id, %e, "claim outcome unknown; checking the chain");
            }
        }
        self.drive(c.params, shutdown).await;
        drop(permit);
    }

    async fn fail(&self, task_id: B256, error: String) {
        tracing::warn!(task = %task_id, %error, "task failed");
        let _ = self
            .store()
            .set_phase(task_id, TaskPhase::Failed, Some(&error))
            .await;
        self.emit(WorkerEvent::Failed { task_id, error });
    }

    /// Sleeps `d` unless shutdown comes first; returns false on shutdown.
    async fn pause(&self, d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
        if *shutdown.borrow() {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = shutdown.changed() => !*shutdown.borrow(),
        }
    }

    /// Drives one task from its stored phase to a final one (or until shutdown).
    async fn drive(&self, p: TaskParams, mut shutdown: watch::Receiver<bool>) {
        let task_id = task_id_of(&p);
        let me = self.inner.p.account;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let row = match self.store().task(task_id).await {
                Ok(Some(r)) => r,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(%e, "database");
                    return;
                }
            };
            let step = match row.phase {
                TaskPhase::Claiming => self.settle_claim(task_id, me).await,
                TaskPhase::Claimed | TaskPhase::AwaitingHuman => self.execute(&p, row.phase).await,
                TaskPhase::Executed => match row.result_hash {
                    Some(h) => self.submit(&p, h, row.executor.as_deref()).await,
                    None => Err("executed without a result hash".into()),
                },
                TaskPhase::Submitted => self.await_payment(&p).await,
                _ => return,
            };
            match step {
                Ok(Step::Next) => {}
                Ok(Step::Wait(d)) => {
                    if !self.pause(d, &mut shutdown).await {
                        return;
                    }
                }
                Err(error) => {
                    self.fail(task_id, error).await;
                    return;
                }
            }
        }
    }

    async fn settle_claim(&self, task_id: B256, me: Address) -> Result<Step, String> {
        let s = match self.chain().task_state(task_id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(%e, "cannot read task state");
                return Ok(Step::Wait(self.cfg().poll_interval()));
            }
        };
        let status = TaskStatus::from_u8(s.status);
        let next = if s.worker != me {
            TaskPhase::Lost
        } else if status == Some(TaskStatus::Claimed) {
            TaskPhase::Claimed
        } else {
            // already submitted (the crash came after the submit was mined)
            TaskPhase::Submitted
        };
        self.store()
            .set_phase(task_id, next, None)
            .await
            .map_err(|e| e.to_string())?;
        if next == TaskPhase::Lost {
            self.emit(WorkerEvent::Lost(task_id));
        }
        Ok(Step::Next)
    }

    async fn execute(&self, p: &TaskParams, phase: TaskPhase) -> Result<Step, String> {
        let task_id = task_id_of(p);
        let deadline: u64 = p.completionDeadline.to();
        if let Ok(t) = self.chain().chain_time().await
            && t > deadline
        {
            return Err(format!(
                "completion deadline {deadline} passed (chain time {t})"
            ));
        }
        let spec = self.spec(p, None).await.map_err(|e| e.to_string())?;
        let Some(exec) = self
            .inner
            .p
            .executors
            .iter()
            .find(|e| e.accepts(&spec.task_type))
            .cloned()
        else {
            return Err(format!("no executor for task type {:?}", spec.task_type));
        };
        let attempts = if phase == TaskPhase::AwaitingHuman {
            0
        } else {
            self.store()
                .bump_attempts(task_id)
                .await
                .map_err(|e| e.to_string())?
        };
        let job = Job { task_id, spec };
        let started = now_ms();
        match exec.run(&job).await {
            Ok(out) => {
                let finished = now_ms();
                let blob = serde_json::json!({
                    "task_id": task_id_string(task_id),
                    "spec_hash": format!("{:#x}", p.specHash),
                    "worker": self.inner.p.agent_key.agent_id(),
                    "executor": exec.kind(),
                    "model": out.model,
                    "output": out.text,
                    "timing": {"started_at_ms": started, "finished_at_ms": finished,
                               "input_tokens": out.input_tokens, "output_tokens": out.output_tokens},
                });
                let bytes = serde_json::to_vec(&blob).map_err(|e| e.to_string())?;
                let id = match &self.inner.p.mesh {
                    Some(m) => m.put_blob(&bytes).await.map_err(|e| e.to_string())?,
                    None => self
                        .inner
                        .p
                        .blobs
                        .put(&bytes)
                        .await
                        .map_err(|e| e.to_string())?,
                };
                self.store()
                    .set_executed(task_id, exec.kind(), B256::from(id.0))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Step::Next)
            }
            Err(ExecError::Pending) => {
                if phase != TaskPhase::AwaitingHuman {
                    self.store()
                        .set_phase(task_id, TaskPhase::AwaitingHuman, None)
                        .await
                        .map_err(|e| e.to_string())?;
                    tracing::info!(task = %task_id, "waiting for `aos-worker human submit`");
                }
                Ok(Step::Wait(self.cfg().poll_interval()))
            }
            Err(e) if e.is_retryable() && attempts < 3 => {
                tracing::warn!(task = %task_id, %e, attempts, "executor failed; retrying");
                Ok(Step::Wait(Duration::from_secs(2u64.pow(attempts as u32))))
            }
            Err(e) => Err(format!("{} executor: {e}", exec.kind())),
        }
    }

    async fn submit(
        &self,
        p: &TaskParams,
        result_hash: B256,
        executor: Option<&str>,
    ) -> Result<Step, String> {
        let task_id = task_id_of(p);
        let submitted = tokio::time::timeout(TX_TIMEOUT, self.chain().submit(task_id, result_hash))
            .await
            .unwrap_or_else(|_| Err(ChainError::Malformed("submit: no receipt in time".into())));
        match submitted {
            Ok(_) => {}
            Err(e) if is_wrong_status(&e) => {
                // a crash between the mined submit and the database write: check
                let s = self
                    .chain()
                    .task_state(task_id)
                    .await
                    .map_err(|e| e.to_string())?;
                if s.worker != self.inner.p.account
                    || TaskStatus::from_u8(s.status) == Some(TaskStatus::Claimed)
                {
                    return Err(format!("submit refused: {e}"));
                }
            }
            Err(e) if e.revert_reason().is_some() => return Err(format!("submit refused: {e}")),
            Err(e) => {
                tracing::warn!(%e, "submit failed; retrying");
                return Ok(Step::Wait(self.cfg().poll_interval()));
            }
        }
        self.store()
            .set_phase(task_id, TaskPhase::Submitted, None)
            .await
            .map_err(|e| e.to_string())?;
        self.emit(WorkerEvent::Submitted {
            task_id,
            result_hash,
        });
        self.announce_result(task_id, result_hash, executor).await;
        Ok(Step::Next)
    }

    async fn announce_result(&self, task_id: B256, result_hash: B256, executor: Option<&str>) {
        let Some(mesh) = &self.inner.p.mesh else {
            return;
        };
        let now = now_ms();
        let r = TaskResult {
            task_id: task_id_string(task_id),
            worker: self.inner.p.agent_key.agent_id(),
            result: ContentId(result_hash.0),
            output: serde_json::json!({"blob": ContentId(result_hash.0)}),
            executor: ExecutorInfo {
                kind: executor.unwrap_or("unknown").into(),
                model: None,
            },
            timing: Timing {
                started_at_ms: now,
                finished_at_ms: now,
                input_tokens: None,
                output_tokens: None,
            },
        };
        let Ok(payload) = r.to_json() else { return };
        let Ok(nonce) = self.store().next_nonce().await else {
            return;
        };
        let Ok(env) = Envelope::sign(
            &self.inner.p.agent_key,
            domains::RESULT,
            self.inner.chain_id,
            nonce,
            now,
            payload,
        ) else {
            return;
        };
        if let Err(e) = mesh.publish(Topic::Results, &env).await {
            tracing::debug!(%e, "result announcement not sent (the chain has the hash)");
        }
    }

    async fn await_payment(&self, p: &TaskParams) -> Result<Step, String> {
        let task_id = task_id_of(p);
        let s = match self.chain().task_state(task_id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(%e, "cannot read task state");
                return Ok(Step::Wait(self.cfg().poll_interval()));
            }
        };
        match TaskStatus::from_u8(s.status) {
            Some(TaskStatus::Accepted) | Some(TaskStatus::Resolved) => {
                let mut amount = U256::ZERO;
                if self.cfg().auto_withdraw {
                    match self.chain().withdraw(p.asset, self.inner.p.account).await {
                        Ok(o) => amount = o.value,
                        Err(e)
                            if e.revert_reason()
                                .is_some_and(|r| r.starts_with("TaskMarketNothingToWithdraw")) => {}
                        Err(e) => {
                            tracing::warn!(%e, "withdraw failed; retrying");
                            return Ok(Step::Wait(self.cfg().poll_interval()));
                        }
                    }
                }
                self.store()
                    .set_phase(task_id, TaskPhase::Paid, None)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(task = %task_id, %amount, "paid");
                self.emit(WorkerEvent::Paid { task_id, amount });
                Ok(Step::Wait(Duration::ZERO))
            }
            Some(TaskStatus::Submitted) => {
                // after the review window anyone may finalize in the worker's favour
                if let Ok(t) = self.chain().chain_time().await
                    && t > s.deadline.to::<u64>()
                {
                    if let Err(e) = self.chain().finalize(p).await {
                        tracing::debug!(%e, "finalize failed");
                    }
                    return Ok(Step::Next);
                }
                Ok(Step::Wait(self.cfg().poll_interval()))
            }
            Some(TaskStatus::Disputed)
            | Some(TaskStatus::RuledRefused)
            | Some(TaskStatus::RuledForRequester)
            | Some(TaskStatus::RuledForWorker) => Ok(Step::Wait(self.cfg().poll_interval() * 5)),
            other => Err(format!("task ended as {other:?}")),
        }
    }
}

enum Step {
    Next,
    Wait(Duration),
}
