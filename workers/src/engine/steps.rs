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
use tokio::sync::watch;

use super::result::{Made, result_blob};
use super::{StepError, TX_TIMEOUT, Worker, WorkerEvent, is_wrong_status, now_ms};
use crate::executor::{ExecError, Job};
use crate::store::TaskPhase;

/// What the state machine does after a step that succeeded.
pub(super) enum Step {
    /// Read the (new) phase and run its step now.
    Next,
    /// Wait this long (or until shutdown), then run the step of the stored phase again.
    Wait(Duration),
}

impl Worker {
    /// Drives one task from its stored phase to a final one (or until shutdown).
    pub(super) async fn drive(&self, p: TaskParams, mut shutdown: watch::Receiver<bool>) {
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
        let job = Job { task_id, spec };
        let started_at_ms = now_ms();
        match exec.run(&job).await {
            Ok(out) => {
                let made = Made {
                    task_id,
                    spec_hash: p.specHash,
                    worker: self.inner.p.agent_key.agent_id(),
                    executor: exec.kind(),
                    started_at_ms,
                    finished_at_ms: now_ms(),
                };
                let bytes = result_blob(&made, &out).map_err(StepError::EncodeResult)?;
                let id = match &self.inner.p.mesh {
                    Some(m) => m.put_blob(&bytes).await,
                    None => self.inner.p.blobs.put(&bytes).await,
                }
                .map_err(StepError::StoreBlob)?;
                self.store()
                    .set_executed(task_id, exec.kind(), B256::from(id.0))
                    .await?;
                Ok(Step::Next)
            }
            Err(ExecError::Pending) => {
                if phase != TaskPhase::AwaitingHuman {
                    self.store()
                        .set_phase(task_id, TaskPhase::AwaitingHuman, None)
                        .await?;
                    tracing::info!(task = %task_id, "waiting for `aos-worker human submit`");
                }
                Ok(Step::Wait(self.cfg().poll_interval()))
            }
            Err(e) => Err(StepError::Executor {
                kind: exec.kind(),
                attempts,
                source: Box::new(e),
            }),
        }
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
            Some(TaskStatus::Disputed)
            | Some(TaskStatus::RuledRefused)
            | Some(TaskStatus::RuledForRequester)
            | Some(TaskStatus::RuledForWorker) => Ok(Step::Wait(self.cfg().poll_interval() * 5)),
            other => Err(StepError::Ended(other)),
        }
    }
}
