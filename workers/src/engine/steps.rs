//! The task state machine: one step per stored phase, each written to SQLite before the
//! next side effect, so a crash anywhere resumes here on restart.
//!
//! ```text
//!  Claiming ─settle_claim─▶ Claimed | Lost | Submitted
//!  Claimed / AwaitingHuman ─execute─▶ Executed (result blob stored) | AwaitingHuman
//!  Executed ─submit(hash)─▶ Submitted (result announced)
//!  Submitted ─await_payment─▶ Paid (withdrawn) | finalize after the review window
//! ```
//!
//! A step returns [`Step`] or a [`StepError`]; [`StepError::is_retryable`] decides between
//! running the step again and marking the task `Failed`.

use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use aos_chain::task_market::TaskMarket::TaskMarketErrors;
use aos_chain::{ChainError, Revert, TaskParams, TaskStatus, task_id_of};
use tokio::sync::{OwnedSemaphorePermit, watch};

use super::result::{Made, result_blob};
use super::{StepError, TX_TIMEOUT, Worker, WorkerEvent, is_wrong_status, now_ms};
use crate::executor::{ExecError, Job};
use crate::store::TaskPhase;
use aos_protocol::ContentId;
use aos_protocol::messages::Verdict;

/// What the state machine does after a step that succeeded.
pub(super) enum Step {
    /// Read the (new) phase and run its step now.
    Next,
    /// Wait this long (or until shutdown), then run the step of the stored phase again.
    Wait(Duration),
}

impl Worker {
    /// Drives one task from its stored phase to a final one (or until shutdown). `slot` is
    /// the task's share of `max_concurrent_tasks`: held while the worker works on it,
    /// released once the result is submitted (waiting for payment, or for a jury, is not
    /// work; holding the slot would keep a disputed worker from taking new tasks).
    pub(super) async fn drive(
        &self,
        p: TaskParams,
        mut shutdown: watch::Receiver<bool>,
        mut slot: Option<OwnedSemaphorePermit>,
    ) {
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
            if row.phase == TaskPhase::Submitted {
                drop(slot.take());
            }
            let step = match row.phase {
                TaskPhase::Claiming => self.settle_claim(task_id, me).await,
                TaskPhase::Claimed | TaskPhase::AwaitingHuman => self.execute(&p, row.phase).await,
                TaskPhase::Executed => match row.result_hash {
                    Some(h) => self.submit(&p, h, row.executor.as_deref()).await,
                    None => Err(StepError::NoResultHash),
                },
                TaskPhase::Submitted => self.await_payment(&p).await,
                _ => return,
            };
            let wait = match step {
                Ok(Step::Next) => continue,
                Ok(Step::Wait(d)) => d,
                Err(e) if e.is_retryable() => {
                    tracing::warn!(task = %task_id, error = %e, "step failed; retrying");
                    e.retry_after(self.cfg().poll_interval())
                }
                Err(e) => {
                    self.fail(task_id, &e).await;
                    return;
                }
            };
            if !self.pause(wait, &mut shutdown).await {
                return;
            }
        }
    }

    /// Marks the task failed with `error`'s text and reports it.
    async fn fail(&self, task_id: B256, error: &StepError) {
        tracing::warn!(task = %task_id, %error, "task failed");
        let error = error.to_string();
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

    /// `Claiming`: the claim's outcome is unknown (a crash or a transport error); the chain
    /// says whether it is ours.
    async fn settle_claim(&self, task_id: B256, me: Address) -> Result<Step, StepError> {
        let s = self
            .chain()
            .task_state(task_id)
            .await
            .map_err(StepError::ReadState)?;
        let status = TaskStatus::from_u8(s.status);
        let next = if s.worker != me {
            TaskPhase::Lost
        } else if status == Some(TaskStatus::Claimed) {
            TaskPhase::Claimed
        } else {
            // already submitted (the crash came after the submit was mined)
            TaskPhase::Submitted
        };
        self.store().set_phase(task_id, next, None).await?;
        if next == TaskPhase::Lost {
            self.emit(WorkerEvent::Lost(task_id));
        }
        Ok(Step::Next)
    }

    /// `Claimed` / `AwaitingHuman`: runs the executor and stores the result blob.
    async fn execute(&self, p: &TaskParams, phase: TaskPhase) -> Result<Step, StepError> {
        let task_id = task_id_of(p);
        let deadline: u64 = p.completionDeadline.to();
        if let Ok(t) = self.chain().chain_time().await
            && t > deadline
        {
            return Err(StepError::DeadlinePassed {
                deadline_s: deadline,
                chain_time_s: t,
            });
        }
        let spec = self.spec(p, None).await.map_err(StepError::Spec)?;
        let Some(exec) = self
            .inner
            .p
            .executors
            .iter()
            .find(|e| e.accepts(&spec.task_type))
            .cloned()
        else {
            return Err(StepError::NoExecutor(spec.task_type));
        };
        let attempts = if phase == TaskPhase::AwaitingHuman {
            0
        } else {
            self.store().bump_attempts(task_id).await?
        };
        let checking = self.cfg().verify.self_check && spec.acceptance.is_some();
        // a person's answer is checked once; a model may be asked again
        let tries = if checking && phase != TaskPhase::AwaitingHuman {
            self.cfg().verify.max_attempts.max(1)
        } else {
            1
        };
        let mut job = Job {
            task_id,
            spec,
            attempt: 0,
        };
        let spec_hash = format!("{:#x}", p.specHash);
        // the best result so far: its bytes and the worker's verdict on it
        let mut best: Option<(Vec<u8>, Option<Verdict>)> = None;
        for attempt in 0..tries {
            job.attempt = attempt;
            let started_at_ms = now_ms();
            let out = match exec.run(&job).await {
                Ok(out) => out,
                Err(ExecError::Pending) => {
                    if phase != TaskPhase::AwaitingHuman {
                        self.store()
                            .set_phase(task_id, TaskPhase::AwaitingHuman, None)
                            .await?;
                        tracing::info!(task = %task_id, "waiting for `aos-worker human submit`");
                    }
                    return Ok(Step::Wait(self.cfg().poll_interval()));
                }
                Err(e) => {
                    return Err(StepError::Executor {
                        kind: exec.kind(),
                        attempts,
                        source: Box::new(e),
                    });
                }
            };
            let made = Made {
                task_id,
                spec_hash: p.specHash,
                worker: self.inner.p.agent_key.agent_id(),
                executor: exec.kind(),
                started_at_ms,
                finished_at_ms: now_ms(),
            };
            let (blob, bytes) = result_blob(&made, &out).map_err(StepError::EncodeResult)?;
            if !checking {
                best = Some((bytes, None));
                break;
            }
            let result_hash = format!("{:#x}", B256::from(ContentId::of(&bytes).0));
            match self
                .inner
                .evaluator
                .evaluate(&job.spec, &spec_hash, &result_hash, &blob)
                .await
            {
                Ok(v) => {
                    let failed: Vec<String> = v
                        .checks
                        .iter()
                        .filter(|c| !c.pass)
                        .map(|c| format!("{}: {}", c.kind, c.reason))
                        .collect();
                    tracing::info!(
                        task = %task_id,
                        attempt = attempt + 1,
                        of = tries,
                        pass = v.pass,
                        score_bps = v.score_bps,
                        failed = ?failed,
                        "self-check"
                    );
                    let better = best
                        .as_ref()
                        .and_then(|(_, b)| b.as_ref())
                        .is_none_or(|b| v.score_bps > b.score_bps);
                    let pass = v.pass;
                    if better {
                        best = Some((bytes, Some(v)));
                    }
                    if pass {
                        break;
                    }
                }
                Err(e) => {
                    // the result is still submitted: the requester judges it either way
                    tracing::warn!(task = %task_id, %e, "self-check could not run");
                    if best.is_none() {
                        best = Some((bytes, None));
                    }
                    break;
                }
            }
        }
        let Some((bytes, verdict)) = best else {
            return Err(StepError::NoResultHash);
        };
        if let Some(v) = verdict.as_ref().filter(|v| !v.pass) {
            tracing::warn!(
                task = %task_id,
                score_bps = v.score_bps,
                "every self-check failed; submitting the best result (the requester may reject it)"
            );
        }
        let id = self.put_blob(&bytes).await?;
        let verdict_id = match &verdict {
            Some(v) => {
                let (vb, _) = v.to_blob().map_err(StepError::EncodeResult)?;
                Some(B256::from(self.put_blob(&vb).await?.0))
            }
            None => None,
        };
        self.store()
            .set_executed(task_id, exec.kind(), B256::from(id.0), verdict_id)
            .await?;
        Ok(Step::Next)
    }

    /// Stores `bytes` locally and provides them on the mesh when it runs.
    async fn put_blob(&self, bytes: &[u8]) -> Result<ContentId, StepError> {
        match &self.inner.p.mesh {
            Some(m) => m.put_blob(bytes).await,
            None => self.inner.p.blobs.put(bytes).await,
        }
        .map_err(StepError::StoreBlob)
    }

    /// `Executed`: submits the result hash on chain, then announces the result.
    async fn submit(
        &self,
        p: &TaskParams,
        result_hash: B256,
        executor: Option<&str>,
    ) -> Result<Step, StepError> {
        let task_id = task_id_of(p);
        let submitted = tokio::time::timeout(TX_TIMEOUT, self.chain().submit(task_id, result_hash))
            .await
            .unwrap_or_else(|_| Err(ChainError::ReceiptTimeout("submit")));
        match submitted {
            Ok(_) => {}
            Err(e) if is_wrong_status(&e) => {
                // a crash between the mined submit and the database write: check
                let s = self
                    .chain()
                    .task_state(task_id)
                    .await
                    .map_err(StepError::SubmitCheck)?;
                if s.worker != self.inner.p.account
                    || TaskStatus::from_u8(s.status) == Some(TaskStatus::Claimed)
                {
                    return Err(StepError::Submit(e));
                }
            }
            // a revert is final, anything else is retried (StepError::is_retryable)
            Err(e) => return Err(StepError::Submit(e)),
        }
        self.store()
            .set_phase(task_id, TaskPhase::Submitted, None)
            .await?;
        self.emit(WorkerEvent::Submitted {
            task_id,
            result_hash,
        });
        self.announce_result(task_id, result_hash, executor).await;
        Ok(Step::Next)
    }

    /// `Submitted`: waits for acceptance (finalizing after the review window), then
    /// withdraws when `auto_withdraw` is set.
    async fn await_payment(&self, p: &TaskParams) -> Result<Step, StepError> {
        let task_id = task_id_of(p);
        let s = self
            .chain()
            .task_state(task_id)
            .await
            .map_err(StepError::ReadState)?;
        match TaskStatus::from_u8(s.status) {
            Some(TaskStatus::Accepted) | Some(TaskStatus::Resolved) => {
                let mut amount = U256::ZERO;
                if self.cfg().auto_withdraw {
                    match self.chain().withdraw(p.asset, self.inner.p.account).await {
                        Ok(o) => amount = o.value,
                        Err(e)
                            if matches!(
                                e.revert(),
                                Some(Revert::TaskMarket(
                                    TaskMarketErrors::TaskMarketNothingToWithdraw(_)
                                ))
                            ) => {}
                        Err(e) => return Err(StepError::Withdraw(e)),
                    }
                }
                self.store()
                    .set_phase(task_id, TaskPhase::Paid, None)
                    .await?;
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
            Some(TaskStatus::Disputed) => {
                self.reply_to_dispute(p).await;
                Ok(Step::Wait(self.cfg().poll_interval() * 5))
            }
            Some(TaskStatus::RuledRefused)
            | Some(TaskStatus::RuledForRequester)
            | Some(TaskStatus::RuledForWorker) => Ok(Step::Wait(self.cfg().poll_interval() * 5)),
            other => Err(StepError::Ended(other)),
        }
    }

    /// The requester disputed our result: once, put our own verdict (the self-check) on
    /// chain as the worker's evidence for the jurors (`TaskMarket.submitEvidence`), when it
    /// passed. Best effort: a failure is logged and tried again on the next poll.
    async fn reply_to_dispute(&self, p: &TaskParams) {
        let task_id = task_id_of(p);
        let row = match self.store().task(task_id).await {
            Ok(Some(r)) => r,
            _ => return,
        };
        let Some(verdict) = row.verdict_hash.filter(|_| !row.evidence_sent) else {
            return;
        };
        // our own verdict is our reply only when it passed: a failing self-check (every
        // attempt failed, the best result was submitted anyway) would argue the
        // requester's case
        let passed = self
            .inner
            .fetcher
            .fetch_once(ContentId(verdict.0))
            .await
            .and_then(|b| <Verdict as aos_protocol::messages::Message>::from_json(&b).ok())
            .is_some_and(|v| v.pass);
        if !passed {
            tracing::info!(task = %task_id, "disputed: our own check failed too; no reply");
            if let Err(e) = self.store().set_evidence_sent(task_id).await {
                tracing::warn!(%e, "database");
            }
            return;
        }
        match self.chain().submit_evidence(p, ContentId(verdict.0)).await {
            Ok(_) => {
                tracing::info!(task = %task_id, verdict = %verdict, "disputed: our verdict sent as evidence");
                if let Err(e) = self.store().set_evidence_sent(task_id).await {
                    tracing::warn!(%e, "database");
                }
            }
            Err(e) => tracing::warn!(task = %task_id, %e, "evidence not sent; will retry"),
        }
    }
}
