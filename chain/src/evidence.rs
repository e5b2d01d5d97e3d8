//! Evidence about a task: the ERC-1497-style `Evidence` events of `TaskMarket` (the
//! requester's verdict with a rejection, either party's further evidence) and the calls that
//! emit them live in [`AosContracts::reject`] and [`AosContracts::submit_evidence`].
//!
//! ERC-1497 (Evidence Standard) names evidence by a string URI; `TaskMarket` names it by the
//! BLAKE3 id of a content-addressed blob (`bytes32`, the same convention as `specHash` and
//! `resultHash`), and the evidence group of a task is `uint256(taskId)`
//! (`ITaskMarket.Evidence`).

use alloy::{
    primitives::{Address, B256, U256},
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};
use aos_protocol::ContentId;

use crate::{AosContracts, ChainError, task_market::TaskMarket};

/// The ERC-1497 evidence group of a task: `uint256(taskId)` (`ITaskMarket.Evidence`).
pub fn evidence_group_of(task_id: B256) -> U256 {
    U256::from_be_bytes(task_id.0)
}

/// The task an evidence group belongs to: the inverse of [`evidence_group_of`].
pub fn task_of_evidence_group(group: U256) -> B256 {
    B256::from(group.to_be_bytes::<32>())
}

/// One piece of evidence on record for a task, as its `Evidence` log carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEvidence {
    /// The task (`evidenceGroupId` as bytes32).
    pub task_id: B256,
    /// Who put it on record: the task's requester or worker.
    pub party: Address,
    /// The BLAKE3 id of the evidence blob.
    pub evidence: ContentId,
    /// The arbitrator the evidence is for (the market's court).
    pub arbitrator: Address,
    /// Block of the log.
    pub block_number: u64,
    /// Transaction of the log (`None` when the node did not say, e.g. a pending log).
    pub tx_hash: Option<B256>,
    /// Index of the log in its block.
    pub log_index: u64,
}

impl TaskEvidence {
    /// Decode an `Evidence` log of `TaskMarket`; `None` for any other log.
    pub fn from_log(l: &Log) -> Option<Self> {
        let e = TaskMarket::Evidence::decode_log(&l.inner).ok()?.data;
        Some(Self::from_event(&e, l))
    }

    /// The record of decoded event `e` carried by log `l`.
    pub fn from_event(e: &TaskMarket::Evidence, l: &Log) -> Self {
        Self {
            task_id: task_of_evidence_group(e.evidenceGroupId),
            party: e.party,
            evidence: ContentId(e.evidence.0),
            arbitrator: e.arbitrator,
            block_number: l.block_number.unwrap_or_default(),
            tx_hash: l.transaction_hash,
            log_index: l.log_index.unwrap_or_default(),
        }
    }
}

impl AosContracts {
    /// The `Evidence` logs of `task_id`'s group (topic 2 = `uint256(taskId)`).
    pub(crate) fn evidence_filter(&self, task_id: B256) -> Filter {
        Filter::new()
            .address(self.deployments().task_market)
            .event_signature(TaskMarket::Evidence::SIGNATURE_HASH)
            .topic2(task_id)
    }

    /// Every piece of evidence on record for `task_id`, in chain order (block, log index).
    ///
    /// # Errors
    /// [`ChainError::Scan`] when the logs cannot be read.
    pub async fn task_evidence(&self, task_id: B256) -> Result<Vec<TaskEvidence>, ChainError> {
        let mut v: Vec<TaskEvidence> = self
            .scan_logs(&self.evidence_filter(task_id))
            .await?
            .iter()
            .filter_map(TaskEvidence::from_log)
            .filter(|e| e.task_id == task_id)
            .collect();
        v.sort_by_key(|e| (e.block_number, e.log_index));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_evidence_group_is_the_task_id_as_a_number() {
        let id = B256::from_slice(&[0xab; 32]);
        let g = evidence_group_of(id);
        assert_eq!(g, U256::from_be_slice(&[0xab; 32]));
        assert_eq!(task_of_evidence_group(g), id);
        let small = B256::with_last_byte(7);
        assert_eq!(evidence_group_of(small), U256::from(7));
    }

    #[test]
    fn an_evidence_log_decodes_and_other_logs_do_not() {
        let id = B256::repeat_byte(0x11);
        let ev = TaskMarket::Evidence {
            arbitrator: Address::repeat_byte(2),
            evidenceGroupId: evidence_group_of(id),
            party: Address::repeat_byte(3),
            evidence: B256::repeat_byte(0x44),
        };
        let l = Log {
            inner: alloy::primitives::Log {
                address: Address::repeat_byte(1),
                data: ev.encode_log_data(),
            },
            block_number: Some(9),
            log_index: Some(4),
            transaction_hash: Some(B256::repeat_byte(5)),
            ..Log::default()
        };
        let got = TaskEvidence::from_log(&l).expect("an Evidence log");
        assert_eq!(
            got,
            TaskEvidence {
                task_id: id,
                party: Address::repeat_byte(3),
                evidence: ContentId([0x44; 32]),
                arbitrator: Address::repeat_byte(2),
                block_number: 9,
                tx_hash: Some(B256::repeat_byte(5)),
                log_index: 4,
            }
        );
        let other = TaskMarket::TaskCancelled { taskId: id };
        let l2 = Log {
            inner: alloy::primitives::Log {
                address: Address::repeat_byte(1),
                data: other.encode_log_data(),
            },
            ..Log::default()
        };
        assert!(TaskEvidence::from_log(&l2).is_none());
    }
}
