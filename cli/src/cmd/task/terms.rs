//! A task's terms for people (rows) and machines (JSON).

use alloy::primitives::{Address, B256, U256};
use aos_chain::{TaskParams, TaskStatus, bytes32_to_domain, stake_of};
use serde_json::{Value, json};

use crate::units::{fmt_asset, fmt_deadline_while, fmt_duration, fmt_wad};

pub(super) fn domain_name(b: B256) -> String {
    bytes32_to_domain(b).unwrap_or_else(|_| format!("{b:#x}"))
}

/// The terms as JSON (big numbers as decimal strings).
pub(super) fn terms_json(p: &TaskParams) -> Value {
    json!({
        "requester": p.requester,
        "asset": p.asset,
        "payment": p.payment.to_string(),
        "stake": stake_of(p).to_string(),
        "stakeBps": p.stakeBps,
        "feeBps": p.feeBps,
        "claimDeadline": p.claimDeadline.to::<u64>(),
        "completionDeadline": p.completionDeadline.to::<u64>(),
        "reviewWindow": p.reviewWindow,
        "maxDelegationDepth": p.maxDelegationDepth,
        "minAccuracy": p.minAccuracy.to_string(),
        "minCompletion": p.minCompletion.to_string(),
        "domain": domain_name(p.domain),
        "specHash": p.specHash,
        "parentTaskId": p.parentTaskId,
        "salt": p.salt.to_string(),
    })
}

pub(super) fn terms_rows(
    id: B256,
    p: &TaskParams,
    now: u64,
    status: TaskStatus,
) -> Vec<(String, String)> {
    let amt = |v: U256| fmt_asset(p.asset, v);
    let mut rows = vec![
        ("task id".to_owned(), format!("{id:#x}")),
        ("requester".into(), p.requester.to_string()),
        (
            "asset".into(),
            if p.asset == Address::ZERO {
                "ETH".into()
            } else {
                p.asset.to_string()
            },
        ),
        ("payment".into(), amt(U256::from(p.payment))),
        (
            "stake".into(),
            format!("{} ({} bps)", amt(stake_of(p)), p.stakeBps),
        ),
        ("fee".into(), format!("{} bps", p.feeBps)),
        ("domain".into(), domain_name(p.domain)),
        (
            "claim deadline".into(),
            fmt_deadline_while(p.claimDeadline.to(), now, status, &[TaskStatus::Open]),
        ),
        (
            "completion deadline".into(),
            fmt_deadline_while(
                p.completionDeadline.to(),
                now,
                status,
                &[TaskStatus::Open, TaskStatus::Claimed],
            ),
        ),
        (
            "review window".into(),
            fmt_duration(u64::from(p.reviewWindow)),
        ),
        ("min accuracy".into(), fmt_wad(U256::from(p.minAccuracy))),
        (
            "min completion".into(),
            fmt_wad(U256::from(p.minCompletion)),
        ),
        (
            "max delegation depth".into(),
            p.maxDelegationDepth.to_string(),
        ),
        ("spec hash".into(), format!("{:#x}", p.specHash)),
    ];
    if p.parentTaskId != B256::ZERO {
        rows.push(("parent task".into(), format!("{:#x}", p.parentTaskId)));
    }
    rows.push(("salt".into(), p.salt.to_string()));
    rows
}
