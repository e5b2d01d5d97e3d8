//! `KarmaRegistry` events → raw-event rows and karma/earnings ops.

use aos_chain::karma_registry::KarmaRegistry;
use serde_json::json;

use super::{Contract, Decoded, KarmaRecord, OUTCOME_NAMES, Op, addr, dom, h256, s};

/// Decode one `KarmaRegistry` event.
pub(super) fn decode(e: KarmaRegistry::KarmaRegistryEvents) -> Decoded {
    use KarmaRegistry::KarmaRegistryEvents as E;
    match e {
        E::KarmaRecorded(e) => Decoded {
            contract: Contract::Karma,
            kind: "KarmaRecorded",
            args: json!({"agent": addr(e.agent), "domain": h256(e.domain), "domainName": dom(e.domain),
                   "outcome": OUTCOME_NAMES.get(e.outcome as usize).copied().unwrap_or("Unknown"),
                   "level": e.level, "accuracy": s(e.karma.accuracy), "completion": s(e.karma.completion),
                   "updatedAt": s(e.karma.updatedAt), "tasks": e.karma.tasks,
                   "disputesWon": e.karma.disputesWon.to::<u32>(), "disputesLost": e.karma.disputesLost.to::<u32>()}),
            task_id: None,
            dispute_id: None,
            account: Some(e.agent),
            ops: vec![Op::KarmaRecorded {
                agent: e.agent,
                domain: e.domain,
                outcome: e.outcome,
                level: e.level,
                record: KarmaRecord {
                    accuracy: e.karma.accuracy,
                    completion: e.karma.completion,
                    updated_at: e.karma.updatedAt.to::<u64>(),
                    tasks: e.karma.tasks,
                    disputes_won: e.karma.disputesWon.to::<u32>(),
                    disputes_lost: e.karma.disputesLost.to::<u32>(),
                },
            }],
        },
        E::KarmaParametersSet(e) => Decoded {
            contract: Contract::Karma,
            kind: "KarmaParametersSet",
            args: json!({"alpha": s(e.alpha), "halfLife": s(e.halfLife), "attenuation": s(e.attenuation)}),
            task_id: None,
            dispute_id: None,
            account: None,
            ops: vec![],
        },
        E::EarningsRecorded(e) => Decoded {
            contract: Contract::Karma,
            kind: "EarningsRecorded",
            args: json!({"agent": addr(e.agent), "asset": addr(e.asset), "amount": s(e.amount)}),
            task_id: None,
            dispute_id: None,
            account: Some(e.agent),
            ops: vec![Op::EarningsAdd {
                agent: e.agent,
                asset: e.asset,
                amount: e.amount,
            }],
        },
        E::EpochRootAnchored(e) => Decoded {
            contract: Contract::Karma,
            kind: "EpochRootAnchored",
            args: json!({"agent": addr(e.agent), "epoch": s(e.epoch), "root": h256(e.root)}),
            task_id: None,
            dispute_id: None,
            account: Some(e.agent),
            ops: vec![],
        },
        E::WritersSet(e) => Decoded {
            contract: Contract::Karma,
            kind: "WritersSet",
            args: json!({"market": addr(e.market), "court": addr(e.court)}),
            task_id: None,
            dispute_id: None,
            account: None,
            ops: vec![],
        },
    }
}
