//! Task terms from the chain: `TaskPosted` events carry the full [`TaskParams`] every market
//! call needs (the market stores only their hash, the task id).

use alloy::{
    primitives::{Address, B256},
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};

use crate::{AosContracts, ChainError, TaskParams, task_id_of, task_market::TaskMarket};

/// A posted task: its id, terms and where it was posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedTask {
    /// `keccak256(abi.encode(params))`.
    pub id: B256,
    /// The terms.
    pub params: TaskParams,
    /// Block of the `TaskPosted` event.
    pub block: u64,
    /// Transaction of the `TaskPosted` event.
    pub tx: Option<B256>,
}

impl PostedTask {
    /// Decode a `TaskPosted` log; `None` for any other log.
    pub fn from_log(l: &Log) -> Option<Self> {
        let ev = TaskMarket::TaskPosted::decode_log(&l.inner).ok()?.data;
        Some(Self {
            id: ev.taskId,
            params: ev.params,
            block: l.block_number.unwrap_or_default(),
            tx: l.transaction_hash,
        })
    }
}

/// Looking up a task's terms failed.
#[derive(Debug, thiserror::Error)]
pub enum TermsError {
    /// No `TaskPosted` event with this id since the deployment block.
    #[error("no task {id:#x} on this deployment (no TaskPosted event since block {since_block})")]
    NoSuchTask {
        /// The task id asked for.
        id: B256,
        /// The deployment's `startBlock`, where the scan began.
        since_block: u64,
    },
    /// The event's terms hash to another id (a foreign or broken contract).
    #[error("the TaskPosted event of {0:#x} carries terms that hash to another id")]
    Mismatch(B256),
    /// The scan failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl TermsError {
    /// Whether asking again may succeed (RPC trouble; a task posted moments ago whose block
    /// the node has not served yet is not distinguished from a missing one).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Chain(e) if e.is_retryable())
    }
}

impl AosContracts {
    fn posted_filter(&self) -> Filter {
        Filter::new()
            .address(self.deployments().task_market)
            .event_signature(TaskMarket::TaskPosted::SIGNATURE_HASH)
    }

    /// The terms of task `id`, from its `TaskPosted` event (checked to hash to `id`).
    ///
    /// # Errors
    /// [`TermsError::NoSuchTask`], [`TermsError::Mismatch`], or the scan's error.
    pub async fn task_terms(&self, id: B256) -> Result<PostedTask, TermsError> {
        let f = self.posted_filter().topic1(id);
        let logs = self.scan_logs(&f).await.map_err(ChainError::from)?;
        let Some(p) = logs
            .iter()
            .filter_map(PostedTask::from_log)
            .find(|p| p.id == id)
        else {
            return Err(TermsError::NoSuchTask {
                id,
                since_block: self.deployments().start_block,
            });
        };
        if task_id_of(&p.params) != id {
            return Err(TermsError::Mismatch(id));
        }
        Ok(p)
    }

    /// Tasks posted on this market, optionally by one requester and/or in one domain, oldest
    /// first.
    ///
    /// # Errors
    /// The scan's error.
    pub async fn posted_tasks(
        &self,
        requester: Option<Address>,
        domain: Option<B256>,
    ) -> Result<Vec<PostedTask>, ChainError> {
        let mut f = self.posted_filter();
        if let Some(r) = requester {
            f = f.topic2(r.into_word());
        }
        if let Some(d) = domain {
            f = f.topic3(d);
        }
        let logs = self.scan_logs(&f).await?;
        Ok(logs.iter().filter_map(PostedTask::from_log).collect())
    }
}
