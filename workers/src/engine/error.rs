//! The worker's errors: [`WorkerError`] stops the loop; [`StepError`] stops one step of one
//! task, and [`StepError::is_retryable`] decides whether the state machine tries the step
//! again or marks the task failed.

use std::time::Duration;

use aos_chain::{ChainError, TaskStatus};
use aos_mesh::MeshError;

use crate::decide::Refusal;
use crate::executor::ExecError;
use crate::store::StoreError;

/// A failure that stops [`Worker::run`](super::Worker::run) (a failing task never does:
/// it is marked failed and the loop goes on).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The worker database failed (reading in-flight tasks, the log cursor).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A chain read failed (the log scan of one poll; the poller logs it and tries again).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The mesh failed (the `tasks` subscription could not be made).
    #[error(transparent)]
    Mesh(#[from] MeshError),
}

impl WorkerError {
    /// Whether trying again may succeed: chain transport trouble, or a mesh that is
    /// shutting down or busy; never a database failure.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Store(_) => false,
            Self::Chain(e) => e.is_retryable(),
            Self::Mesh(e) => e.is_retryable(),
        }
    }
}

/// Why one step of a task (settle a claim, execute, submit, await payment) did not
/// complete.
///
/// [`is_retryable`](Self::is_retryable) decides what the state machine does: a retryable
/// error waits [`retry_after`](Self::retry_after) and runs the step again; any other marks
/// the task `Failed` with this error's text.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Reading the task's on-chain state failed (settling a claim, waiting for payment).
    /// Retryable: the chain has the answer, it is read again.
    #[error("cannot read task state: {0}")]
    ReadState(#[source] ChainError),
    /// The completion deadline passed before the executor ran. Final.
    #[error("completion deadline {deadline_s} passed (chain time {chain_time_s})")]
    DeadlinePassed {
        /// The task's completion deadline, unix seconds.
        deadline_s: u64,
        /// The chain's time when the step ran, unix seconds.
        chain_time_s: u64,
    },
    /// The spec blob could not be fetched (after its own retries) or does not parse. Final.
    #[error(transparent)]
    Spec(Refusal),
    /// No executor takes the spec's task type. Final.
    #[error("no executor for task type {0:?}")]
    NoExecutor(String),
    /// The executor failed. Retryable while the executor calls its failure transient
    /// ([`ExecError::is_retryable`]) and fewer than three attempts were made.
    #[error("{kind} executor: {source}")]
    Executor {
        /// The executor's kind (`local_llama`, `openai`, …).
        kind: &'static str,
        /// Attempts made so far, counting this one (0 when a person's answer was awaited).
        attempts: i64,
        /// What failed.
        #[source]
        source: Box<ExecError>,
    },
    /// The result blob is invalid (e.g. an output over the size cap) or did not serialize. Final.
    #[error("result blob: {0}")]
    EncodeResult(#[source] aos_protocol::messages::MessageError),
    /// The result blob could not be stored (locally or on the mesh). Final.
    #[error("storing the result blob: {0}")]
    StoreBlob(#[source] MeshError),
    /// The row is `Executed` but has no result hash (a corrupt database). Final.
    #[error("executed without a result hash")]
    NoResultHash,
    /// The submit transaction failed. A revert (someone else's task, a passed deadline) is
    /// final; anything else (transport, no receipt in time) is retried: the next try
    /// reverts with `TaskMarketWrongStatus` if the first was mined after all.
    #[error("submit failed: {0}")]
    Submit(#[source] ChainError),
    /// After the submit reverted with `TaskMarketWrongStatus`, the task state that would
    /// tell whether our earlier submit was mined could not be read. Final (as it always
    /// was).
    #[error("submit refused and the task state is unreadable: {0}")]
    SubmitCheck(#[source] ChainError),
    /// The withdrawal after acceptance failed (other than "nothing to withdraw").
    /// Retryable, revert or not.
    #[error("withdraw failed: {0}")]
    Withdraw(#[source] ChainError),
    /// The task reached an on-chain status with nothing left for the worker (cancelled,
    /// expired, an unknown status). Final.
    #[error("task ended as {0:?}")]
    Ended(Option<TaskStatus>),
    /// The worker database failed. Final.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Attempts after which a retryable executor failure becomes final.
const MAX_EXEC_ATTEMPTS: i64 = 3;

impl StepError {
    /// Whether the state machine runs the step again (after
    /// [`retry_after`](Self::retry_after)) instead of failing the task.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::ReadState(_) | Self::Withdraw(_) => true,
            Self::Submit(e) => e.revert().is_none(),
            Self::Executor {
                attempts, source, ..
            } => source.is_retryable() && *attempts < MAX_EXEC_ATTEMPTS,
            Self::DeadlinePassed { .. }
            | Self::Spec(_)
            | Self::NoExecutor(_)
            | Self::EncodeResult(_)
            | Self::StoreBlob(_)
            | Self::NoResultHash
            | Self::SubmitCheck(_)
            | Self::Ended(_)
            | Self::Store(_) => false,
        }
    }

    /// How long to wait before the retry: `2^attempts` seconds after an executor failure,
    /// `poll_interval` otherwise.
    pub fn retry_after(&self, poll_interval: Duration) -> Duration {
        match self {
            Self::Executor { attempts, .. } => {
                Duration::from_secs(2u64.saturating_pow((*attempts).clamp(0, 32) as u32))
            }
            _ => poll_interval,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::SpecError;
    use alloy::primitives::B256;
    use aos_chain::Revert;
    use aos_chain::task_market::TaskMarket::{TaskMarketErrors, TaskMarketUnknownTask};
    use aos_protocol::ContentId;

    fn transport() -> ChainError {
        ChainError::ReceiptTimeout("submit")
    }

    fn revert() -> ChainError {
        ChainError::Reverted(Box::new(Revert::TaskMarket(
            TaskMarketErrors::TaskMarketUnknownTask(TaskMarketUnknownTask { taskId: B256::ZERO }),
        )))
    }

    fn exec(attempts: i64, source: ExecError) -> StepError {
        StepError::Executor {
            kind: "openai",
            attempts,
            source: Box::new(source),
        }
    }

    fn timeout() -> ExecError {
        ExecError::Remote(aos_llm::RemoteError::Timeout {
            service: "openai",
            after: Duration::from_secs(1),
        })
    }

    #[test]
    fn reads_and_withdrawals_are_retried() {
        assert!(StepError::ReadState(transport()).is_retryable());
        assert!(StepError::ReadState(revert()).is_retryable());
        assert!(StepError::Withdraw(transport()).is_retryable());
        // a reverted withdrawal (other than NothingToWithdraw) was retried too
        assert!(StepError::Withdraw(revert()).is_retryable());
    }

    #[test]
    fn submit_retries_transport_but_not_reverts() {
        assert!(StepError::Submit(transport()).is_retryable());
        assert!(StepError::Submit(ChainError::Malformed("x".into())).is_retryable());
        assert!(!StepError::Submit(revert()).is_retryable());
        assert!(!StepError::SubmitCheck(transport()).is_retryable());
    }

    #[test]
    fn executor_retries_transient_failures_three_times() {
        assert!(exec(0, timeout()).is_retryable());
        assert!(exec(2, timeout()).is_retryable());
        assert!(!exec(3, timeout()).is_retryable());
        let api = |status| {
            ExecError::Remote(aos_llm::RemoteError::Api {
                service: "openai",
                status,
                message: String::new(),
            })
        };
        assert!(exec(1, api(503)).is_retryable());
        assert!(exec(1, api(429)).is_retryable());
        assert!(!exec(1, api(401)).is_retryable());
        assert!(
            !exec(
                1,
                ExecError::Model(aos_llm::LlmError::Template("bad prompt".into()))
            )
            .is_retryable()
        );
    }

    #[test]
    fn the_rest_is_final() {
        let finals = [
            StepError::DeadlinePassed {
                deadline_s: 1,
                chain_time_s: 2,
            },
            StepError::Spec(Refusal::Spec(SpecError::NotFound(ContentId([0x11; 32])))),
            StepError::NoExecutor("vision".into()),
            StepError::EncodeResult(aos_protocol::messages::MessageError::Json("x".into())),
            StepError::StoreBlob(MeshError::Stopped),
            StepError::NoResultHash,
            StepError::Ended(Some(TaskStatus::Cancelled)),
            StepError::Ended(None),
            StepError::Store(StoreError::Corrupt("x".into())),
        ];
        for e in finals {
            assert!(!e.is_retryable(), "{e} should be final");
        }
    }

    #[test]
    fn retry_delays() {
        let poll = Duration::from_millis(500);
        assert_eq!(exec(0, timeout()).retry_after(poll), Duration::from_secs(1));
        assert_eq!(exec(2, timeout()).retry_after(poll), Duration::from_secs(4));
        assert_eq!(StepError::Submit(transport()).retry_after(poll), poll);
        assert_eq!(StepError::ReadState(transport()).retry_after(poll), poll);
    }

    /// The texts a failed task is stored with keep their old wording where one existed.
    #[test]
    fn messages() {
        assert_eq!(
            exec(
                3,
                ExecError::Model(aos_llm::LlmError::Template("boom".into()))
            )
            .to_string(),
            "openai executor: local model: chat template: boom"
        );
        assert_eq!(
            StepError::NoExecutor("vision".into()).to_string(),
            "no executor for task type \"vision\""
        );
        assert_eq!(
            StepError::Spec(Refusal::Spec(SpecError::NotFound(ContentId([0x11; 32])))).to_string(),
            format!("spec: blob {} not found", ContentId([0x11; 32]))
        );
    }
}
