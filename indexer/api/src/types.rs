//! Response bodies. Field names are camelCase on the wire; uint256 values (amounts in base
//! units, WAD scores where 1e18 = 1.0, dispute ids) are decimal strings; addresses and
//! hashes lower-case 0x hex; times unix seconds; blocks block numbers.

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::{dec, dec_opt};

/// `GET /health`: liveness and progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always `ok` (errors answer 503 with an error body).
    #[schema(example = "ok")]
    pub status: String,
    /// Chain id mirrored.
    pub chain_id: u64,
    /// Last block fully mirrored (`null` before the first batch).
    pub last_block: Option<u64>,
    /// Chain head minus confirmations, as last seen.
    pub head_block: i64,
    /// `headBlock − lastBlock`.
    pub lag_blocks: i64,
}

/// A task: its full terms (`ITaskMarket.TaskParams`) and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Task id (bytes32).
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub task_id: B256,
    /// Requester.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub requester: Address,
    /// Payment asset (zero address = ETH).
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub asset: Address,
    /// Payment, base units.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub payment: U256,
    /// Worker stake, basis points of the payment.
    pub stake_bps: u32,
    /// Protocol fee, basis points.
    pub fee_bps: u32,
    /// Claim deadline, unix seconds.
    pub claim_deadline: u64,
    /// Completion deadline, unix seconds.
    pub completion_deadline: u64,
    /// Review window after submission, seconds.
    pub review_window: u64,
    /// Sub-task depth allowed below this task.
    pub max_delegation_depth: u32,
    /// Minimum worker accuracy to claim, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_accuracy: U256,
    /// Minimum worker completion to claim, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_completion: U256,
    /// Domain, bytes32.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub domain: B256,
    /// Domain as text (empty if the bytes are not a name).
    pub domain_name: String,
    /// Hash of the spec blob.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub spec_hash: B256,
    /// Parent task (zero for a root task).
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub parent_task_id: B256,
    /// Salt of the terms.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub salt: U256,
    /// Status name (`ITaskMarket.Status`).
    #[schema(example = "Open")]
    pub status: String,
    /// Worker, once claimed.
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{40}$")]
    pub worker: Option<Address>,
    /// Worker stake, base units, once claimed.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub stake: Option<U256>,
    /// Hash of the result blob, once submitted.
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{64}$")]
    pub result_hash: Option<B256>,
    /// Dispute id, once disputed.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub dispute_id: Option<U256>,
    /// Dispute bond, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub bond: Option<U256>,
    /// Court ruling (0 refused, 1 requester, 2 worker).
    pub ruling: Option<i64>,
    /// Whether the acceptance was final.
    pub finalized: Option<bool>,
    /// Paid to the worker, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub worker_amount: Option<U256>,
    /// Refunded to the requester, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub requester_amount: Option<U256>,
    /// Protocol fee taken, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub fee: Option<U256>,
    /// Block of the posting.
    pub posted_block: u64,
    /// Block of the last change.
    pub updated_block: u64,
}

/// One mirrored event of a task's or dispute's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    /// `market`, `registry`, `karma` or `court`.
    pub contract: String,
    /// Event name, e.g. `TaskClaimed`.
    pub event: String,
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub block_hash: B256,
    /// Index of the log in its block.
    pub log_index: u64,
    /// Transaction hash.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub tx_hash: B256,
    /// Block time, unix seconds (if known).
    pub block_timestamp: Option<u64>,
    /// Decoded arguments (uints as decimal strings, bytes as 0x hex).
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
}

/// One piece of evidence on record for a task: a `TaskMarket` `Evidence` event (ERC-1497
/// style, with the evidence a `bytes32` BLAKE3 blob id instead of a URI; evidence group =
/// `uint256(taskId)`). The requester's verdict comes with the rejection; either party may add
/// more while the task is Submitted or Disputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskEvidence {
    /// Who put it on record: the task's requester or worker.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub party: Address,
    /// BLAKE3 id of the evidence blob (fetch it from a blob gateway as `<gateway>/<id>`).
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub evidence: B256,
    /// Block number of the log.
    pub block_number: u64,
    /// Transaction hash.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub tx_hash: B256,
    /// Index of the log in its block.
    pub log_index: u64,
}

/// `GET /tasks/{id}`: a task with its history and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskDetail {
    /// The task.
    #[serde(flatten)]
    pub task: Task,
    /// Its events, oldest first.
    pub history: Vec<HistoryEvent>,
    /// Its evidence, in chain order (block, log index); empty when none.
    pub evidence: Vec<TaskEvidence>,
}

/// `GET /tasks`: a page of tasks, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskList {
    /// The page.
    pub tasks: Vec<Task>,
    /// Page size asked.
    pub limit: u32,
    /// Rows skipped.
    pub offset: u64,
}

/// An (agent, domain) karma record, as stored on chain and decayed to a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Karma {
    /// The agent.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub agent: Address,
    /// Domain, bytes32.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub domain: B256,
    /// Domain as text.
    pub domain_name: String,
    /// Unix seconds of the last update (decay runs from here).
    pub updated_at: u64,
    /// Tasks settled at level 0 (saturating, as the contract counts them).
    pub tasks: u64,
    /// Disputes won as the worker.
    pub disputes_won: u64,
    /// Disputes lost as the worker.
    pub disputes_lost: u64,
    /// The last recorded `IKarmaRegistry.Outcome`.
    #[schema(example = "Accepted")]
    pub last_outcome: String,
    /// Block of the last update.
    pub updated_block: u64,
    /// Accuracy as stored, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub accuracy_wad: u64,
    /// Completion as stored, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub completion_wad: u64,
    /// Accuracy decayed to `decayedTo`, WAD (bit-exact with `KarmaRegistry.scores`).
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub accuracy_decayed_wad: u64,
    /// Completion decayed, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub completion_decayed_wad: u64,
    /// `accuracyDecayedWad` as a float (display only).
    pub accuracy_decayed: f64,
    /// `completionDecayedWad` as a float (display only).
    pub completion_decayed: f64,
}

/// Total earnings in one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Earning {
    /// Asset (zero address = ETH).
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub asset: Address,
    /// Total, base units.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub total: U256,
}

/// A juror's stake in the court.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JurorStake {
    /// Stake, base units.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub stake: U256,
    /// When a requested leave can complete, unix seconds.
    pub leave_available_at: Option<u64>,
}

/// `GET /agents/{address}`: registration, karma per domain, earnings, juror stake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// The account.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub account: Address,
    /// Agent (libp2p) key hash, if ever registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{64}$")]
    pub agent_key: Option<B256>,
    /// Manifest hash, if ever registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{64}$")]
    pub manifest_hash: Option<B256>,
    /// Whether it is registered now.
    pub registered: bool,
    /// Block of the first registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_block: Option<u64>,
    /// Block of the last registry change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_block: Option<u64>,
    /// Karma per domain, decayed to `decayedTo`.
    pub karma: Vec<Karma>,
    /// Earnings per asset.
    pub earnings: Vec<Earning>,
    /// Juror stake, if it ever staked.
    pub juror: Option<JurorStake>,
    /// Unix seconds the karma is decayed to.
    pub decayed_to: u64,
    /// `KarmaRegistry.halfLife()`, seconds.
    pub half_life_seconds: u64,
}

/// One ranked agent of [`Route`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RankedAgent {
    /// 1 = best.
    pub rank: u32,
    /// The agent.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub agent: Address,
    /// accuracyDecayed × completionDecayed, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub score_wad: u128,
    /// `scoreWad` as a fraction in [0, 1].
    pub score: f64,
    /// Its karma in the domain.
    pub karma: Karma,
}

/// `GET /route`: registered agents with karma in a domain, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// Domain, bytes32.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{64}$")]
    pub domain: B256,
    /// Accuracy floor applied, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_accuracy_wad: u64,
    /// Completion floor applied, WAD.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_completion_wad: u64,
    /// Unix seconds the karma is decayed to.
    pub decayed_to: u64,
    /// How `score` is computed (human-readable).
    pub score: String,
    /// Requirements the chain mirror cannot check (`skills.<name>`).
    pub unchecked_requirements: Vec<String>,
    /// Ranked agents.
    pub agents: Vec<RankedAgent>,
}

/// A dispute in the court.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dispute {
    /// Dispute id.
    #[serde(with = "dec")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub dispute_id: U256,
    /// The arbitrable contract.
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{40}$")]
    pub arbitrable: Option<Address>,
    /// The disputed task.
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{64}$")]
    pub task_id: Option<B256>,
    /// Bond, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub bond: Option<U256>,
    /// Court phase (`IDisputeCourt.Phase`).
    #[schema(example = "Commit")]
    pub phase: String,
    /// Current round.
    pub round: u64,
    /// Seats in the round.
    pub seats: u64,
    /// Deadline of the phase, unix seconds.
    pub deadline: u64,
    /// Ruling, once tallied.
    pub ruling: Option<i64>,
    /// Whether the dispute is solved.
    pub solved: bool,
    /// Whether the ruling reached the arbitrable.
    pub delivered: bool,
    /// Block of creation.
    pub created_block: u64,
    /// Block of the last change.
    pub updated_block: u64,
}

/// A juror's seat in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Vote {
    /// Round.
    pub round: u64,
    /// Juror.
    #[schema(value_type = String, pattern = "^0x[0-9a-f]{40}$")]
    pub juror: Address,
    /// `Drawn`, `Committed`, `Revealed` or `Settled`.
    pub state: String,
    /// Commitment, once committed.
    #[schema(value_type = Option<String>, pattern = "^0x[0-9a-f]{64}$")]
    pub commitment: Option<B256>,
    /// Choice, once revealed.
    pub choice: Option<i64>,
    /// Verdict on the seat, once settled.
    pub verdict: Option<String>,
    /// Stake returned, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub stake_back: Option<U256>,
    /// Fee reward, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub fee_reward: Option<U256>,
    /// Stake reward, base units.
    #[serde(with = "dec_opt")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    pub stake_reward: Option<U256>,
    /// Block of the draw.
    pub drawn_block: u64,
}

/// `GET /disputes/{id}`: a dispute with its votes and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisputeDetail {
    /// The dispute.
    #[serde(flatten)]
    pub dispute: Dispute,
    /// Seats of every round.
    pub votes: Vec<Vote>,
    /// Its events, oldest first.
    pub history: Vec<HistoryEvent>,
}

/// `GET /disputes`: a page of disputes by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisputeList {
    /// The page.
    pub disputes: Vec<Dispute>,
    /// Page size asked.
    pub limit: u32,
    /// Rows skipped.
    pub offset: u64,
}
