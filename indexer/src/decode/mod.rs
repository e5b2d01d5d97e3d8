//! From a log to what the mirror stores: the raw-event row (with the decoded arguments as
//! JSON and the entity keys used to find it again) and the derived-table operations
//! ([`Op`]) it implies. Pure: no I/O, so replaying stored raw events after a reorg runs
//! exactly the code that indexed them the first time.
//!
//! One module per contract ([`market`], [`registry`], [`karma`], [`court`]) turns that
//! contract's events into a [`Decoded`]; this module holds the shared types and [`decode`].

mod court;
mod karma;
mod market;
mod registry;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolEventInterface,
};
use aos_chain::{
    agent_registry::AgentRegistry, bytes32_to_domain, dispute_court::DisputeCourt,
    karma_registry::KarmaRegistry, task_market::TaskMarket,
};
use serde_json::{Value, json};

/// One log as fetched (or as read back from the raw `events` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLog {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Block timestamp (unix seconds); `None` when the node did not say and no header was
    /// fetched.
    pub block_timestamp: Option<u64>,
    /// Index of the log in its block.
    pub log_index: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Emitting contract.
    pub address: Address,
    /// Topics (topic 0 = event signature hash).
    pub topics: Vec<B256>,
    /// ABI-encoded non-indexed data.
    pub data: Bytes,
}

/// Which AOS contract an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    /// `TaskMarket`.
    Market,
    /// `AgentRegistry`.
    Registry,
    /// `KarmaRegistry`.
    Karma,
    /// `DisputeCourt`.
    Court,
}

impl Contract {
    /// Short name stored in `events.contract`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Market => "market",
            Self::Registry => "registry",
            Self::Karma => "karma",
            Self::Court => "court",
        }
    }
}

/// A derived entity that can be rebuilt from its raw events after a reorg.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// `tasks` row.
    Task(B256),
    /// `agents` row.
    Agent(Address),
    /// `disputes` row and its `votes` rows.
    Dispute(U256),
    /// `jurors` row.
    Juror(Address),
    /// `karma` row of (agent, domain).
    Karma(Address, B256),
    /// `earnings` row of (agent, asset).
    Earnings(Address, Address),
}

/// One write to a derived table. Ops with a [`Key`] update a rebuildable entity; the others
/// append a row keyed by (block number, log index) that a rollback deletes by block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    TaskPosted(Box<TaskPostedRow>),
    TaskClaimed {
        task_id: B256,
        worker: Address,
        stake: U256,
    },
    TaskSubmitted {
        task_id: B256,
        result_hash: B256,
    },
    TaskAccepted {
        task_id: B256,
        worker_amount: U256,
        fee: U256,
        finalized: bool,
    },
    TaskDisputed {
        task_id: B256,
        dispute_id: U256,
        bond: U256,
    },
    TaskRuled {
        task_id: B256,
        ruling: U256,
    },
    TaskResolved {
        task_id: B256,
        ruling: U256,
        requester_amount: U256,
        worker_amount: U256,
        fee: U256,
    },
    TaskStatus {
        task_id: B256,
        status: &'static str,
    },
    TaskFailed {
        task_id: B256,
        requester_amount: U256,
    },
    ClaimRow {
        task_id: B256,
        worker: Address,
        stake: U256,
    },
    SubmissionRow {
        task_id: B256,
        worker: Address,
        result_hash: B256,
    },
    /// An ERC-1497-style `Evidence` log: `party` put the blob `evidence` (BLAKE3 id) on
    /// record for `task_id`.
    EvidenceRow {
        task_id: B256,
        party: Address,
        evidence: B256,
    },
    WithdrawalRow {
        contract: &'static str,
        account: Address,
        asset: Address,
        to: Address,
        amount: U256,
    },
    AgentSet {
        account: Address,
        agent_key: B256,
        manifest_hash: B256,
        registered: bool,
    },
    /// The stored record after the update, as the event carries it (nothing recomputed).
    KarmaRecorded {
        agent: Address,
        domain: B256,
        outcome: u8,
        level: u8,
        record: KarmaRecord,
    },
    EarningsAdd {
        agent: Address,
        asset: Address,
        amount: U256,
    },
    DisputeCreated {
        dispute_id: U256,
        arbitrable: Address,
    },
    DisputeTask {
        dispute_id: U256,
        task_id: B256,
        bond: U256,
    },
    RoundOpened {
        dispute_id: U256,
        round: U256,
        seats: U256,
    },
    PhaseChanged {
        dispute_id: U256,
        phase: u8,
        deadline: U256,
    },
    Ruled {
        dispute_id: U256,
        ruling: U256,
        solved: bool,
    },
    RulingDelivered {
        dispute_id: U256,
    },
    SeatDrawn {
        dispute_id: U256,
        round: U256,
        juror: Address,
    },
    VoteCommitted {
        dispute_id: U256,
        round: U256,
        juror: Address,
        commitment: B256,
    },
    VoteRevealed {
        dispute_id: U256,
        round: U256,
        juror: Address,
        choice: U256,
    },
    SeatSettled {
        dispute_id: U256,
        round: U256,
        juror: Address,
        verdict: u8,
        stake_back: U256,
        fee_reward: U256,
        stake_reward: U256,
    },
    JurorStake {
        juror: Address,
        stake: U256,
    },
    JurorLeave {
        juror: Address,
        available_at: U256,
    },
}

/// `IKarmaRegistry.Karma`: an (agent, domain) record exactly as `KarmaRegistry` stores it
/// after an update (scores WAD, not decayed; counters saturated by the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KarmaRecord {
    /// Accuracy, WAD (1e18 = 1.0).
    pub accuracy: u64,
    /// Completion, WAD.
    pub completion: u64,
    /// Unix seconds of the update (decay runs from here).
    pub updated_at: u64,
    /// Tasks settled at level 0.
    pub tasks: u32,
    /// Disputes won as the worker.
    pub disputes_won: u32,
    /// Disputes lost as the worker.
    pub disputes_lost: u32,
}

/// The full terms of a posted task (`ITaskMarket.TaskParams`) plus its id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TaskPostedRow {
    pub task_id: B256,
    pub params: aos_chain::TaskParams,
}

impl Op {
    /// The rebuildable entity this op writes, `None` for append-only rows.
    pub fn key(&self) -> Option<Key> {
        use Op::*;
        Some(match self {
            TaskPosted(r) => Key::Task(r.task_id),
            TaskClaimed { task_id, .. }
            | TaskSubmitted { task_id, .. }
            | TaskAccepted { task_id, .. }
            | TaskDisputed { task_id, .. }
            | TaskRuled { task_id, .. }
            | TaskResolved { task_id, .. }
            | TaskStatus { task_id, .. }
            | TaskFailed { task_id, .. } => Key::Task(*task_id),
            ClaimRow { .. } | SubmissionRow { .. } | EvidenceRow { .. } | WithdrawalRow { .. } => {
                return None;
            }
            AgentSet { account, .. } => Key::Agent(*account),
            KarmaRecorded { agent, domain, .. } => Key::Karma(*agent, *domain),
            EarningsAdd { agent, asset, .. } => Key::Earnings(*agent, *asset),
            DisputeCreated { dispute_id, .. }
            | DisputeTask { dispute_id, .. }
            | RoundOpened { dispute_id, .. }
            | PhaseChanged { dispute_id, .. }
            | Ruled { dispute_id, .. }
            | RulingDelivered { dispute_id }
            | SeatDrawn { dispute_id, .. }
            | VoteCommitted { dispute_id, .. }
            | VoteRevealed { dispute_id, .. }
            | SeatSettled { dispute_id, .. } => Key::Dispute(*dispute_id),
            JurorStake { juror, .. } | JurorLeave { juror, .. } => Key::Juror(*juror),
        })
    }
}

/// A decoded log: what goes into the raw `events` table and the ops it implies.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Emitting contract.
    pub contract: Contract,
    /// Event name, e.g. `TaskPosted`.
    pub kind: &'static str,
    /// Decoded arguments (uints as decimal strings, bytes as 0x hex).
    pub args: Value,
    /// Task the event concerns, if any (index for history and rebuilds).
    pub task_id: Option<B256>,
    /// Dispute the event concerns, if any.
    pub dispute_id: Option<U256>,
    /// Main account (agent, juror, withdrawer), if any.
    pub account: Option<Address>,
    /// Derived-table writes, in order.
    pub ops: Vec<Op>,
}

/// Why a log was skipped (the indexer counts it by [`DecodeError::label`] and goes on).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The emitter is not one of the four contracts.
    #[error("log from unknown address {0}")]
    UnknownAddress(Address),
    /// Topic 0 is not an event of that contract's ABI (or there is no topic).
    #[error("unknown event topic {topic} from {contract}")]
    UnknownTopic {
        /// The contract.
        contract: &'static str,
        /// Topic 0 (zero if absent).
        topic: B256,
    },
    /// The topic is known but topics/data do not decode.
    #[error("malformed {contract} log (topic {topic})")]
    Malformed {
        /// The contract.
        contract: &'static str,
        /// Topic 0.
        topic: B256,
        /// The ABI decoder's error (boxed: it is large).
        #[source]
        source: Box<alloy::sol_types::Error>,
    },
}

impl DecodeError {
    /// Metric label: `unknown_address`, `unknown_topic` or `malformed`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::UnknownAddress(_) => "unknown_address",
            Self::UnknownTopic { .. } => "unknown_topic",
            Self::Malformed { .. } => "malformed",
        }
    }
}

/// The four contract addresses, to tell which ABI decodes a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addresses {
    /// `TaskMarket`.
    pub market: Address,
    /// `AgentRegistry`.
    pub registry: Address,
    /// `KarmaRegistry`.
    pub karma: Address,
    /// `DisputeCourt`.
    pub court: Address,
}

impl From<&aos_chain::Deployments> for Addresses {
    fn from(d: &aos_chain::Deployments) -> Self {
        Self {
            market: d.task_market,
            registry: d.agent_registry,
            karma: d.karma_registry,
            court: d.dispute_court,
        }
    }
}

impl Addresses {
    /// The addresses as a list for `eth_getLogs`.
    pub fn all(&self) -> Vec<Address> {
        vec![self.market, self.registry, self.karma, self.court]
    }

    /// Which contract `a` is.
    pub fn contract_of(&self, a: Address) -> Option<Contract> {
        if a == self.market {
            Some(Contract::Market)
        } else if a == self.registry {
            Some(Contract::Registry)
        } else if a == self.karma {
            Some(Contract::Karma)
        } else if a == self.court {
            Some(Contract::Court)
        } else {
            None
        }
    }
}

/// Lower-case 0x hex of 32 bytes.
pub fn h256(b: B256) -> String {
    format!("{b:#x}")
}

/// Lower-case 0x hex of an address (not checksummed, so equality is textual).
pub fn addr(a: Address) -> String {
    format!("{a:#x}")
}

fn dom(b: B256) -> Value {
    json!(bytes32_to_domain(b).unwrap_or_default())
}

/// The task status names, by `ITaskMarket.Status` number (aos-chain's one list).
pub const STATUS_NAMES: &[&str] = aos_chain::TaskStatus::NAMES;

/// Court phases by `IDisputeCourt.Phase` number (aos-chain's one list).
pub const PHASE_NAMES: &[&str] = aos_chain::Phase::NAMES;
/// Seat verdicts by `IDisputeCourt.Verdict` number (aos-chain's one list).
pub const VERDICT_NAMES: &[&str] = aos_chain::Verdict::NAMES;
/// Karma outcomes by `IKarmaRegistry.Outcome` number.
pub const OUTCOME_NAMES: [&str; 8] = [
    "Accepted",
    "DisputeWon",
    "DisputeLost",
    "Failed",
    "Refused",
    "Coherent",
    "Incoherent",
    "Absent",
];

/// Decode `log` emitted by one of `addrs`.
///
/// # Errors
/// [`DecodeError`]: unknown address, unknown topic, malformed topics or data. The indexer
/// skips and counts such logs.
pub fn decode(addrs: &Addresses, log: &RawLog) -> Result<Decoded, DecodeError> {
    let contract = addrs
        .contract_of(log.address)
        .ok_or(DecodeError::UnknownAddress(log.address))?;
    let topic = log.topics.first().copied().unwrap_or_default();
    let classify = |e: alloy::sol_types::Error| match e {
        alloy::sol_types::Error::InvalidLog { .. }
        | alloy::sol_types::Error::UnknownSelector { .. } => DecodeError::UnknownTopic {
            contract: contract.name(),
            topic,
        },
        source => DecodeError::Malformed {
            contract: contract.name(),
            topic,
            source: Box::new(source),
        },
    };
    Ok(match contract {
        Contract::Market => market::decode(
            TaskMarket::TaskMarketEvents::decode_raw_log(&log.topics, &log.data)
                .map_err(classify)?,
        ),
        Contract::Registry => registry::decode(
            AgentRegistry::AgentRegistryEvents::decode_raw_log(&log.topics, &log.data)
                .map_err(classify)?,
        ),
        Contract::Karma => karma::decode(
            KarmaRegistry::KarmaRegistryEvents::decode_raw_log(&log.topics, &log.data)
                .map_err(classify)?,
        ),
        Contract::Court => court::decode(
            DisputeCourt::DisputeCourtEvents::decode_raw_log(&log.topics, &log.data)
                .map_err(classify)?,
        ),
    })
}

/// A uint as a JSON decimal string.
fn s(u: impl ToString) -> Value {
    Value::String(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs() -> Addresses {
        Addresses {
            market: Address::repeat_byte(1),
            registry: Address::repeat_byte(2),
            karma: Address::repeat_byte(3),
            court: Address::repeat_byte(4),
        }
    }

    fn log(address: Address, topics: Vec<B256>, data: Vec<u8>) -> RawLog {
        RawLog {
            block_number: 1,
            block_hash: B256::ZERO,
            block_timestamp: None,
            log_index: 0,
            tx_hash: B256::ZERO,
            address,
            topics,
            data: data.into(),
        }
    }

    #[test]
    fn unknown_topic_and_malformed_data_are_errors_not_panics() {
        let a = addrs();
        let e = decode(&a, &log(a.market, vec![B256::repeat_byte(9)], vec![])).unwrap_err();
        assert_eq!(e.label(), "unknown_topic", "{e}");
        let e = decode(&a, &log(a.market, vec![], vec![])).unwrap_err();
        assert_eq!(e.label(), "unknown_topic", "{e}");
        use alloy::sol_types::SolEvent;
        let t = TaskMarket::TaskClaimed::SIGNATURE_HASH;
        // TaskClaimed needs 3 topics and 32 bytes of data
        let e = decode(
            &a,
            &log(a.market, vec![t, B256::ZERO, B256::ZERO], vec![1, 2, 3]),
        )
        .unwrap_err();
        assert_eq!(e.label(), "malformed", "{e}");
        let e = decode(&a, &log(Address::repeat_byte(7), vec![t], vec![])).unwrap_err();
        assert_eq!(e.label(), "unknown_address");
    }
}
