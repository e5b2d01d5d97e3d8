//! `TaskMarket` events → raw-event rows and task ops.

use aos_chain::task_market::TaskMarket;
use serde_json::json;

use super::{Contract, Decoded, Op, TaskPostedRow, addr, dom, h256, s};

/// Decode one `TaskMarket` event.
pub(super) fn decode(e: TaskMarket::TaskMarketEvents) -> Decoded {
    use TaskMarket::TaskMarketEvents as E;
    match e {
        E::TaskPosted(e) => {
            let p = &e.params;
            let args = json!({
                "taskId": h256(e.taskId), "requester": addr(e.requester), "domain": h256(e.domain),
                "domainName": dom(e.domain),
                "params": {
                    "requester": addr(p.requester), "asset": addr(p.asset), "payment": s(p.payment),
                    "stakeBps": p.stakeBps, "feeBps": p.feeBps,
                    "claimDeadline": s(p.claimDeadline), "completionDeadline": s(p.completionDeadline),
                    "reviewWindow": p.reviewWindow, "maxDelegationDepth": p.maxDelegationDepth,
                    "minAccuracy": s(p.minAccuracy), "minCompletion": s(p.minCompletion),
                    "domain": h256(p.domain), "specHash": h256(p.specHash),
                    "parentTaskId": h256(p.parentTaskId), "salt": s(p.salt),
                }
            });
            let op = Op::TaskPosted(Box::new(TaskPostedRow {
                task_id: e.taskId,
                params: e.params,
            }));
            Decoded {
                contract: Contract::Market,
                kind: "TaskPosted",
                args,
                task_id: Some(e.taskId),
                dispute_id: None,
                account: Some(e.requester),
                ops: vec![op],
            }
        }
        E::TaskClaimed(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskClaimed",
            args: json!({"taskId": h256(e.taskId), "worker": addr(e.worker), "stake": s(e.stake)}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: Some(e.worker),
            ops: vec![
                Op::TaskClaimed {
                    task_id: e.taskId,
                    worker: e.worker,
                    stake: e.stake,
                },
                Op::ClaimRow {
                    task_id: e.taskId,
                    worker: e.worker,
                    stake: e.stake,
                },
            ],
        },
        E::TaskSubmitted(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskSubmitted",
            args: json!({"taskId": h256(e.taskId), "worker": addr(e.worker), "resultHash": h256(e.resultHash)}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: Some(e.worker),
            ops: vec![
                Op::TaskSubmitted {
                    task_id: e.taskId,
                    result_hash: e.resultHash,
                },
                Op::SubmissionRow {
                    task_id: e.taskId,
                    worker: e.worker,
                    result_hash: e.resultHash,
                },
            ],
        },
        E::TaskAccepted(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskAccepted",
            args: json!({"taskId": h256(e.taskId), "worker": addr(e.worker), "workerAmount": s(e.workerAmount),
                   "fee": s(e.fee), "finalized": e.finalized}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: Some(e.worker),
            ops: vec![Op::TaskAccepted {
                task_id: e.taskId,
                worker_amount: e.workerAmount,
                fee: e.fee,
                finalized: e.finalized,
            }],
        },
        E::TaskDisputed(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskDisputed",
            args: json!({"taskId": h256(e.taskId), "disputeId": s(e.disputeId), "bond": s(e.bond)}),
            task_id: Some(e.taskId),
            dispute_id: Some(e.disputeId),
            account: None,
            ops: vec![
                Op::TaskDisputed {
                    task_id: e.taskId,
                    dispute_id: e.disputeId,
                    bond: e.bond,
                },
                Op::DisputeTask {
                    dispute_id: e.disputeId,
                    task_id: e.taskId,
                    bond: e.bond,
                },
            ],
        },
        E::TaskRuled(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskRuled",
            args: json!({"taskId": h256(e.taskId), "disputeId": s(e.disputeId), "ruling": s(e.ruling)}),
            task_id: Some(e.taskId),
            dispute_id: Some(e.disputeId),
            account: None,
            ops: vec![Op::TaskRuled {
                task_id: e.taskId,
                ruling: e.ruling,
            }],
        },
        E::TaskResolved(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskResolved",
            args: json!({"taskId": h256(e.taskId), "ruling": s(e.ruling), "requesterAmount": s(e.requesterAmount),
                   "workerAmount": s(e.workerAmount), "fee": s(e.fee)}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: None,
            ops: vec![Op::TaskResolved {
                task_id: e.taskId,
                ruling: e.ruling,
                requester_amount: e.requesterAmount,
                worker_amount: e.workerAmount,
                fee: e.fee,
            }],
        },
        E::TaskCancelled(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskCancelled",
            args: json!({"taskId": h256(e.taskId)}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: None,
            ops: vec![Op::TaskStatus {
                task_id: e.taskId,
                status: "Cancelled",
            }],
        },
        E::TaskExpired(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskExpired",
            args: json!({"taskId": h256(e.taskId)}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: None,
            ops: vec![Op::TaskStatus {
                task_id: e.taskId,
                status: "Expired",
            }],
        },
        E::TaskFailed(e) => Decoded {
            contract: Contract::Market,
            kind: "TaskFailed",
            args: json!({"taskId": h256(e.taskId), "worker": addr(e.worker), "requesterAmount": s(e.requesterAmount)}),
            task_id: Some(e.taskId),
            dispute_id: None,
            account: Some(e.worker),
            ops: vec![Op::TaskFailed {
                task_id: e.taskId,
                requester_amount: e.requesterAmount,
            }],
        },
        E::Evidence(e) => {
            // ERC-1497 style: the evidence group is the task id as a uint256
            let task_id = aos_chain::task_of_evidence_group(e.evidenceGroupId);
            Decoded {
                contract: Contract::Market,
                kind: "Evidence",
                args: json!({"arbitrator": addr(e.arbitrator), "evidenceGroupId": s(e.evidenceGroupId),
                       "taskId": h256(task_id), "party": addr(e.party), "evidence": h256(e.evidence)}),
                task_id: Some(task_id),
                dispute_id: None,
                account: Some(e.party),
                ops: vec![Op::EvidenceRow {
                    task_id,
                    party: e.party,
                    evidence: e.evidence,
                }],
            }
        }
        E::Withdrawn(e) => Decoded {
            contract: Contract::Market,
            kind: "Withdrawn",
            args: json!({"account": addr(e.account), "asset": addr(e.asset), "to": addr(e.to), "amount": s(e.amount)}),
            task_id: None,
            dispute_id: None,
            account: Some(e.account),
            ops: vec![Op::WithdrawalRow {
                contract: "market",
                account: e.account,
                asset: e.asset,
                to: e.to,
                amount: e.amount,
            }],
        },
        E::FeeSet(e) => Decoded {
            contract: Contract::Market,
            kind: "FeeSet",
            args: json!({"feeBps": e.feeBps, "feeRecipient": addr(e.feeRecipient)}),
            task_id: None,
            dispute_id: None,
            account: None,
            ops: vec![],
        },
        E::Ruling(e) => Decoded {
            contract: Contract::Market,
            kind: "Ruling",
            args: json!({"arbitrator": addr(e._arbitrator), "disputeId": s(e._disputeID), "ruling": s(e._ruling)}),
            task_id: None,
            dispute_id: Some(e._disputeID),
            account: None,
            ops: vec![Op::RulingDelivered {
                dispute_id: e._disputeID,
            }],
        },
        E::OwnershipTransferStarted(e) => Decoded {
            contract: Contract::Market,
            kind: "OwnershipTransferStarted",
            args: json!({"previousOwner": addr(e.previousOwner), "newOwner": addr(e.newOwner)}),
            task_id: None,
            dispute_id: None,
            account: None,
            ops: vec![],
        },
        E::OwnershipTransferred(e) => Decoded {
            contract: Contract::Market,
            kind: "OwnershipTransferred",
            args: json!({"previousOwner": addr(e.previousOwner), "newOwner": addr(e.newOwner)}),
            task_id: None,
            dispute_id: None,
            account: None,
            ops: vec![],
        },
    }
}
