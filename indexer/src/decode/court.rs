//! `DisputeCourt` events → raw-event rows and dispute, vote and juror ops.

use aos_chain::dispute_court::DisputeCourt;
use serde_json::json;

use super::{Contract, Decoded, Op, PHASE_NAMES, VERDICT_NAMES, addr, h256, s};

/// Decode one `DisputeCourt` event.
pub(super) fn decode(e: DisputeCourt::DisputeCourtEvents) -> Decoded {
    use DisputeCourt::DisputeCourtEvents as E;
    match e {
        E::DisputeCreation(e) => Decoded {contract: Contract::Court, kind: "DisputeCreation", args: json!({"disputeId": s(e._disputeID), "arbitrable": addr(e._arbitrable)}), task_id: None, dispute_id: Some(e._disputeID), account: None, ops: vec![Op::DisputeCreated {
                dispute_id: e._disputeID,
                arbitrable: e._arbitrable,
            }]},
        E::AppealPossible(e) => Decoded {contract: Contract::Court, kind: "AppealPossible", args: json!({"disputeId": s(e._disputeID), "arbitrable": addr(e._arbitrable)}), task_id: None, dispute_id: Some(e._disputeID), account: None, ops: vec![]},
        E::AppealDecision(e) => Decoded {contract: Contract::Court, kind: "AppealDecision", args: json!({"disputeId": s(e._disputeID), "arbitrable": addr(e._arbitrable)}), task_id: None, dispute_id: Some(e._disputeID), account: None, ops: vec![]},
        E::RoundOpened(e) => Decoded {contract: Contract::Court, kind: "RoundOpened", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "jurors": s(e.jurors),
                   "randomnessId": s(e.randomnessId), "feePaid": s(e.feePaid)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![Op::RoundOpened {
                dispute_id: e.disputeId,
                round: e.round,
                seats: e.jurors,
            }]},
        E::RandomnessRerequested(e) => Decoded {contract: Contract::Court, kind: "RandomnessRerequested", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "randomnessId": s(e.randomnessId)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![]},
        E::JurorDrawn(e) => Decoded {contract: Contract::Court, kind: "JurorDrawn", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "juror": addr(e.juror)}), task_id: None, dispute_id: Some(e.disputeId), account: Some(e.juror), ops: vec![Op::SeatDrawn {
                dispute_id: e.disputeId,
                round: e.round,
                juror: e.juror,
            }]},
        E::PhaseChanged(e) => Decoded {contract: Contract::Court, kind: "PhaseChanged", args: json!({"disputeId": s(e.disputeId),
                   "phase": PHASE_NAMES.get(e.phase as usize).copied().unwrap_or("Unknown"),
                   "deadline": s(e.deadline)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![Op::PhaseChanged {
                dispute_id: e.disputeId,
                phase: e.phase,
                deadline: e.deadline,
            }]},
        E::VoteCommitted(e) => Decoded {contract: Contract::Court, kind: "VoteCommitted", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "juror": addr(e.juror),
                   "commitment": h256(e.commitment)}), task_id: None, dispute_id: Some(e.disputeId), account: Some(e.juror), ops: vec![Op::VoteCommitted {
                dispute_id: e.disputeId,
                round: e.round,
                juror: e.juror,
                commitment: e.commitment,
            }]},
        E::VoteRevealed(e) => Decoded {contract: Contract::Court, kind: "VoteRevealed", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "juror": addr(e.juror), "choice": s(e.choice)}), task_id: None, dispute_id: Some(e.disputeId), account: Some(e.juror), ops: vec![Op::VoteRevealed {
                dispute_id: e.disputeId,
                round: e.round,
                juror: e.juror,
                choice: e.choice,
            }]},
        E::RoundTallied(e) => Decoded {contract: Contract::Court, kind: "RoundTallied", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "ruling": s(e.ruling),
                   "votesForRuling": s(e.votesForRuling)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![Op::Ruled {
                dispute_id: e.disputeId,
                ruling: e.ruling,
                solved: false,
            }]},
        E::RoundUnstaffed(e) => Decoded {contract: Contract::Court, kind: "RoundUnstaffed", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "refundTo": addr(e.refundTo), "fee": s(e.fee)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![]},
        E::DisputeSolved(e) => Decoded {contract: Contract::Court, kind: "DisputeSolved", args: json!({"disputeId": s(e.disputeId), "ruling": s(e.ruling)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![Op::Ruled {
                dispute_id: e.disputeId,
                ruling: e.ruling,
                solved: true,
            }]},
        E::RulingDeliveryFailed(e) => Decoded {contract: Contract::Court, kind: "RulingDeliveryFailed", args: json!({"disputeId": s(e.disputeId)}), task_id: None, dispute_id: Some(e.disputeId), account: None, ops: vec![]},
        E::SeatSettled(e) => Decoded {contract: Contract::Court, kind: "SeatSettled", args: json!({"disputeId": s(e.disputeId), "round": s(e.round), "juror": addr(e.juror),
                   "verdict": VERDICT_NAMES.get(e.verdict as usize).copied().unwrap_or("Unknown"),
                   "stakeBack": s(e.stakeBack), "feeReward": s(e.feeReward), "stakeReward": s(e.stakeReward)}), task_id: None, dispute_id: Some(e.disputeId), account: Some(e.juror), ops: vec![Op::SeatSettled {
                dispute_id: e.disputeId,
                round: e.round,
                juror: e.juror,
                verdict: e.verdict,
                stake_back: e.stakeBack,
                fee_reward: e.feeReward,
                stake_reward: e.stakeReward,
            }]},
        E::TreasuryCredited(e) => Decoded {contract: Contract::Court, kind: "TreasuryCredited", args: json!({"asset": addr(e.asset), "amount": s(e.amount)}), task_id: None, dispute_id: None, account: None, ops: vec![]},
        E::Withdrawn(e) => Decoded {contract: Contract::Court, kind: "Withdrawn", args: json!({"account": addr(e.account), "asset": addr(e.asset), "to": addr(e.to), "amount": s(e.amount)}), task_id: None, dispute_id: None, account: Some(e.account), ops: vec![Op::WithdrawalRow {
                contract: "court",
                account: e.account,
                asset: e.asset,
                to: e.to,
                amount: e.amount,
            }]},
        E::JurorStaked(e) => Decoded {contract: Contract::Court, kind: "JurorStaked", args: json!({"juror": addr(e.juror), "amount": s(e.amount), "stake": s(e.stake)}), task_id: None, dispute_id: None, account: Some(e.juror), ops: vec![Op::JurorStake {
                juror: e.juror,
                stake: e.stake,
            }]},
        E::JurorLeaveRequested(e) => Decoded {contract: Contract::Court, kind: "JurorLeaveRequested", args: json!({"juror": addr(e.juror), "availableAt": s(e.availableAt)}), task_id: None, dispute_id: None, account: Some(e.juror), ops: vec![Op::JurorLeave {
                juror: e.juror,
                available_at: e.availableAt,
            }]},
        E::JurorLeft(e) => Decoded {contract: Contract::Court, kind: "JurorLeft", args: json!({"juror": addr(e.juror), "amount": s(e.amount), "stakeLeft": s(e.stakeLeft)}), task_id: None, dispute_id: None, account: Some(e.juror), ops: vec![Op::JurorStake {
                juror: e.juror,
                stake: e.stakeLeft,
            }]},
        E::OwnershipTransferStarted(e) => Decoded {contract: Contract::Court, kind: "OwnershipTransferStarted", args: json!({"previousOwner": addr(e.previousOwner), "newOwner": addr(e.newOwner)}), task_id: None, dispute_id: None, account: None, ops: vec![]},
        E::OwnershipTransferred(e) => Decoded {contract: Contract::Court, kind: "OwnershipTransferred", args: json!({"previousOwner": addr(e.previousOwner), "newOwner": addr(e.newOwner)}), task_id: None, dispute_id: None, account: None, ops: vec![]},
    }
}
