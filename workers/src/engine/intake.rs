//! Intake: where candidate tasks come from (gossip announcements and polled `TaskPosted`
//! logs), whether to claim them ([`crate::decide`] plus the spec and our karma), and the
//! claim race itself. A won (or unknown) claim hands the task to the state machine
//! ([`Worker::drive`](super::Worker)).

use std::time::{Duration, Instant};

use alloy::primitives::Address;
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolEvent, SolValue};
use aos_chain::task_market::TaskMarket;
use aos_chain::{ChainError, TaskParams, task_id_of};
use aos_mesh::Topic;
use aos_protocol::messages::TaskSpec;
use tokio::sync::{OwnedSemaphorePermit, mpsc, watch};
use tokio::task::JoinSet;

use super::{Source, TX_TIMEOUT, Worker, WorkerError, WorkerEvent, is_wrong_status, now_ms};
use crate::decide::{OwnKarma, Refusal, SpecError, check_spec, check_terms};
use crate::store::TaskPhase;

/// A task seen on one of the sources, not yet judged.
pub(super) struct Candidate {
    pub(super) params: TaskParams,
    /// The spec blob, when the announcement carried it inline (verified before use).
    pub(super) spec: Option<Vec<u8>>,
    pub(super) source: Source,
    /// How many times this candidate was offered again after a passing failure.
    pub(super) retries: u32,
}

impl Candidate {
    /// A candidate seen for the first time.
    pub(super) fn new(params: TaskParams, spec: Option<Vec<u8>>, source: Source) -> Self {
        Self {
            params,
            spec,
            source,
            retries: 0,
        }
    }

    /// Offers the candidate to intake again after a passing failure (its spec blob not
    /// reachable yet, or too many tasks waiting): the `TaskPosted` cursor has moved past it
    /// and an announcement is not repeated, so without this the task would never be seen
    /// again. Waits [`RETRY_FIRST`] doubling up to [`RETRY_MAX`], while the claim deadline
    /// has not passed.
    pub(super) fn retry_later(mut self, intake: mpsc::Sender<Candidate>) {
        let wait = RETRY_FIRST
            .saturating_mul(1 << self.retries.min(6))
            .min(RETRY_MAX);
        let deadline_s: u64 = self.params.claimDeadline.to();
        if now_ms() / 1000 + wait.as_secs() >= deadline_s {
            tracing::info!(task = %task_id_of(&self.params), "not offered again: its claim deadline passes first");
            return;
        }
        self.retries += 1;
        self.spec = None;
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            // closed: the worker is stopping
            let _ = intake.send(self).await;
        });
    }
}

/// Whether we took a task of a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpecTaken {
    /// No task of it.
    No,
    /// Our claim of one is in flight (it may yet be lost).
    InFlight,
    /// We hold one (claimed, working, submitted or settled).
    Held,
}

/// First wait before a candidate that failed for a passing reason is offered again.
const RETRY_FIRST: Duration = Duration::from_secs(2);
/// Longest wait between two offers of the same candidate.
const RETRY_MAX: Duration = Duration::from_secs(60);

/// Key of the `TaskPosted` log cursor in the store (last block scanned).
const CURSOR: &str = "chain_cursor";

impl Worker {
    /// Spawns the gossip listener (when there is a mesh) and the chain poller onto `side`;
    /// both feed `tx` (bounded: a full queue drops gossip candidates, which the chain poll
    /// brings again, and makes the poller wait).
    ///
    /// # Errors
    /// [`WorkerError::Mesh`] when the `tasks` subscription cannot be made.
    pub(super) async fn spawn_sources(
        &self,
        side: &mut JoinSet<()>,
        tx: mpsc::Sender<Candidate>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), WorkerError> {
        if let Some(mesh) = &self.inner.p.mesh {
            let mut rx = mesh.subscribe(Topic::Tasks).await?;
            let tx = tx.clone();
            side.spawn(async move {
                while let Some(g) = rx.recv().await {
                    if g.envelope.domain != aos_mesh::TASK_ANNOUNCEMENT {
                        continue;
                    }
                    match crate::announce::decode(&g.envelope.payload) {
                        Ok((params, spec)) => {
                            let c = Candidate::new(params, spec, Source::Gossip);
                            // full: drop; the chain poll will bring it
                            let _ = tx.try_send(c);
                        }
                        Err(e) => tracing::debug!(%e, "bad task announcement"),
                    }
                }
            });
        }
        let w = self.clone();
        side.spawn(async move { w.poll_chain(tx, shutdown).await });
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
        // aos-chain's adaptive scanner: ranges shrink on a provider's range cap or a timeout,
        // grow after successes, and transient failures are retried with backoff
        let scanner = self.chain().scanner();
        let start = self.chain().deployments().start_block;
        let latest = scanner.head(start).await.map_err(ChainError::from)?;
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
        let filter = Filter::new()
            .address(market)
            .event_signature(TaskMarket::TaskPosted::SIGNATURE_HASH);
        while from <= latest {
            let (to, logs) = scanner
                .chunk(&filter, from, latest)
                .await
                .map_err(ChainError::from)?;
            for log in logs {
                match TaskMarket::TaskPosted::decode_log(&log.inner) {
                    Ok(ev) => {
                        let c = Candidate::new(ev.data.params, None, Source::Chain);
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
    pub(super) async fn decide(&self, c: &Candidate) -> Result<TaskSpec, Refusal> {
        let now_s = now_ms() / 1000;
        check_terms(self.cfg(), self.inner.p.account, &c.params, now_s)?;
        let spec = self.spec(&c.params, c.spec.clone()).await?;
        match self.took_spec(c.params.specHash).await {
            SpecTaken::No => {}
            SpecTaken::InFlight => return Err(Refusal::SameSpecPending),
            SpecTaken::Held => return Err(Refusal::SameSpec),
        }
        let karma = self.own_karma(&c.params).await;
        let execs = &self.inner.p.executors;
        check_spec(
            self.cfg(),
            &c.params,
            &spec,
            karma,
            self.inner.p.account,
            |t| execs.iter().any(|e| e.accepts(t)),
        )?;
        if self.cfg().verify.self_check
            && let Some(a) = &spec.acceptance
        {
            self.inner
                .evaluator
                .can_evaluate(a)
                .map_err(|e| Refusal::Unverifiable(e.to_string()))?;
        }
        Ok(spec)
    }

    /// Judges candidate `c` and, when it should be claimed, claims it and drives it; a
    /// candidate whose spec cannot be fetched yet goes back to `intake` later
    /// ([`Candidate::retry_later`]).
    pub(super) async fn consider(
        &self,
        c: Candidate,
        shutdown: watch::Receiver<bool>,
        wait_permit: OwnedSemaphorePermit,
        intake: mpsc::Sender<Candidate>,
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
            if matches!(
                why,
                Refusal::Spec(SpecError::NotFound(_)) | Refusal::SameSpecPending
            ) {
                tracing::info!(task = %task_id, %why, retries = c.retries, "will look again");
                c.retry_later(intake);
                return;
            }
            if matches!(why, Refusal::Unverifiable(_)) {
                tracing::info!(task = %task_id, %why, "not claiming: its result could not be checked");
            } else {
                tracing::debug!(task = %task_id, %why, "not claiming");
            }
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
        {
            // decisions run concurrently: the same-spec rule is checked again, with the row
            // inserted under one lock, so two tasks of one spec cannot both pass it
            let _one_at_a_time = self.inner.claim_lock.lock().await;
            match self.took_spec(c.params.specHash).await {
                SpecTaken::No => {}
                SpecTaken::InFlight => {
                    tracing::debug!(task = %task_id, "a claim of a task with the same spec is in flight; will look again");
                    c.retry_later(intake);
                    return;
                }
                SpecTaken::Held => {
                    tracing::debug!(task = %task_id, "not claiming: we took a task with the same spec meanwhile");
                    let _ = self
                        .store()
                        .insert_task(task_id, &params_abi, TaskPhase::Skipped)
                        .await;
                    return;
                }
            }
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
        }
        let claim = tokio::time::timeout(TX_TIMEOUT, self.chain().claim(&c.params))
            .await
            .unwrap_or_else(|_| Err(ChainError::ReceiptTimeout("claim")));
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
            Err(e) if e.revert().is_some() => {
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
        self.drive(c.params, shutdown, Some(permit)).await;
    }

    /// Whether we hold, or are claiming, a task whose spec hash is `spec_hash`.
    async fn took_spec(&self, spec_hash: alloy::primitives::B256) -> SpecTaken {
        let rows = match self.store().tasks().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(%e, "database");
                return SpecTaken::No;
            }
        };
        let mut taken = SpecTaken::No;
        for r in rows
            .iter()
            .filter(|r| !matches!(r.phase, TaskPhase::Skipped | TaskPhase::Lost))
        {
            let Ok(p) = <TaskParams as alloy::sol_types::SolValue>::abi_decode(&r.params) else {
                continue;
            };
            if p.specHash != spec_hash {
                continue;
            }
            if r.phase == TaskPhase::Claiming {
                taken = SpecTaken::InFlight;
            } else {
                return SpecTaken::Held;
            }
        }
        taken
    }
}
