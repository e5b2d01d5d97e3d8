//! JSON Schemas (draft 2020-12, generated with `schemars`) for every message type, as
//! checked in under `protocol/schemas/<name>.json`.

use schemars::{JsonSchema, schema_for};

use super::{
    Delegation, HumanTask, KarmaAttestation, Plan, ResultBlob, TaskResult, TaskSpec, Verdict,
};
use crate::dag::DagNode;
use crate::delegation_chain::DelegationChain;
use crate::karma::KarmaProfile;

fn pretty<T: JsonSchema>() -> String {
    let mut s = serde_json::to_string_pretty(&schema_for!(T)).unwrap_or_default();
    s.push('\n');
    s
}

/// `(file stem, pretty JSON schema text)` for every message type, in a fixed order.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("task_spec", pretty::<TaskSpec>()),
        ("human_task", pretty::<HumanTask>()),
        ("delegation", pretty::<Delegation>()),
        ("task_result", pretty::<TaskResult>()),
        ("result_blob", pretty::<ResultBlob>()),
        ("verdict", pretty::<Verdict>()),
        ("karma_attestation", pretty::<KarmaAttestation>()),
        ("plan", pretty::<Plan>()),
        ("karma_profile", pretty::<KarmaProfile>()),
        ("dag_node", pretty::<DagNode>()),
        ("delegation_chain", pretty::<DelegationChain>()),
    ]
}
