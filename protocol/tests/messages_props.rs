//! Round trips and signatures for message types and DAG nodes.

use std::collections::BTreeMap;

use aos_protocol::content::ContentId;
use aos_protocol::dag::DagNode;
use aos_protocol::messages::*;
use aos_protocol::{AgentKey, SignedMessage};
use proptest::prelude::*;
use serde_json::json;

fn key(seed: u8) -> AgentKey {
    AgentKey::from_secret_bytes(&[seed; 32])
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        (-1e12f64..1e12).prop_map(serde_json::Value::from),
        "[a-zA-Z0-9 ]{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

prop_compose! {
    fn arb_task()(
        seed in 0u8..4,
        task_id in "[a-z0-9:]{1,40}",
        ty in "[a-z_]{1,20}",
        mins in prop::collection::btree_map(
            prop_oneof!["accuracy\\.[a-z_]{1,10}", "skills\\.[a-z]{1,8}", Just("reliability.uptime".to_string())],
            0.0f64..=1.0, 0..4),
        skills in prop::collection::vec("[a-z_]{1,10}", 0..3),
        deadline_ms in 1u64..10_000_000,
        amount in any::<u128>(),
        input in arb_json(),
        depth in 0u32..=16,
        created_at in any::<u64>(),
    ) -> TaskSpec {
        let mut t = TaskSpec {
            task_id, task_type: ty, requester: key(seed).agent_id(),
            requirements: Requirements { karma_min: mins, required_skills: skills, deadline_ms, excluded_workers: vec![] },
            payment: Money::eth_wei(amount),
            input, delegation_allowed: depth > 0, max_delegation_depth: depth, created_at,
            acceptance: None,
            signature: None,
        };
        t.sign_with(&key(seed)).unwrap();
        t
    }
}

proptest! {
    #[test]
    fn task_spec_round_trips_and_signature_survives(t in arb_task()) {
        t.validate().unwrap();
        let j = t.to_json().unwrap();
        let from_j = TaskSpec::from_json(&j).unwrap();
        prop_assert_eq!(&from_j, &t);
        prop_assert!(from_j.verify_signature().is_ok());
        let c = t.to_cbor().unwrap();
        let from_c = TaskSpec::from_cbor(&c).unwrap();
        prop_assert!(from_c.verify_signature().is_ok());
        prop_assert_eq!(from_c.to_cbor().unwrap(), c);
        let mut changed = t;
        changed.payment.amount.push('1');
        prop_assert!(changed.verify_signature().is_err());
    }

    #[test]
    fn dag_round_trip(kind in "[a-z-]{1,64}",
                      links in prop::collection::vec(any::<[u8; 32]>(), 0..8),
                      data in prop::collection::vec(any::<u8>(), 0..256)) {
        let n = DagNode::new(&kind, links.into_iter().map(ContentId).collect(), data).unwrap();
        let enc = n.encode().unwrap();
        prop_assert_eq!(&DagNode::decode(&enc).unwrap(), &n);
        prop_assert_eq!(&DagNode::decode_verified(&enc, &n.id().unwrap()).unwrap(), &n);
        let j = serde_json::to_string(&n).unwrap();
        prop_assert_eq!(serde_json::from_str::<DagNode>(&j).unwrap(), n);
    }

    #[test]
    fn plan_and_result_round_trip(
        steps in prop::collection::vec(("[a-z_]{1,20}", any::<bool>(), any::<u64>(), 0.0f64..100.0), 1..8),
        out in arb_json(),
        start in 0u64..1u64 << 50, dur in 0u64..1_000_000,
    ) {
        let plan = Plan {
            request: "do it".into(),
            steps: steps.into_iter().enumerate().map(|(i, (t, p, tok, b))| PlanStep {
                id: format!("s{i}"), step_type: StepType::from(t), description: "x".into(),
                privacy_required: p, estimated_tokens: tok, budget: b, acceptance: None,
            }).collect(),
        };
        prop_assert_eq!(&Plan::from_json(&plan.to_json().unwrap()).unwrap(), &plan);
        prop_assert_eq!(Plan::from_cbor(&plan.to_cbor().unwrap()).unwrap(), plan);
        let r = TaskResult {
            task_id: "t".into(), worker: key(1).agent_id(), result: ContentId::of(b"r"),
            output: out,
            executor: Executor { kind: "local_llama".into(), model: Some("smollm2".into()) },
            timing: Timing { started_at_ms: start, finished_at_ms: start + dur, input_tokens: None, output_tokens: Some(3) },
        };
        prop_assert_eq!(&TaskResult::from_json(&r.to_json().unwrap()).unwrap(), &r);
        prop_assert_eq!(TaskResult::from_cbor(&r.to_cbor().unwrap()).unwrap(), r);
    }
}

#[test]
fn white_paper_task_spec_parses_and_validates() {
    let k = key(9);
    let mut v = json!({ "task_id": "sha256:abc", "type": "research_analysis", "requester": k.agent_id(),
        "requirements": { "karma_min": { "accuracy.financial_analysis": 0.75, "reliability.task_completion": 0.90 },
            "required_skills": ["financial_analysis"], "deadline_ms": 3600000 },
        "payment": { "amount": "50000000000000000", "currency": "ETH", "decimals": 18 },
        "input": { "company": "NVDA", "question": "Analyze Q4 guidance risk" },
        "delegation_allowed": true, "max_delegation_depth": 2, "created_at": 1738800000000u64 });
    let mut t = TaskSpec::from_json(v.to_string().as_bytes()).unwrap();
    t.sign_with(&k).unwrap();
    let signed = TaskSpec::from_json(&t.to_json().unwrap()).unwrap();
    signed.verify_signature().unwrap();
    assert!(t.sign_with(&key(8)).is_err());
    v["requirements"]["karma_min"]["reliability.speed"] = json!(0.5);
    let err = TaskSpec::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("reliability.speed"), "{err}");
    v["requirements"]["karma_min"] = json!({});
    v["extra"] = json!(1);
    assert!(matches!(
        TaskSpec::from_json(v.to_string().as_bytes()),
        Err(MessageError::Json(_))
    ));
}

#[test]
fn white_paper_delegation_parses_signs_and_validates() {
    let k = key(3);
    let v = json!({ "delegation_id": "sha256:abc", "from_agent": k.agent_id(), "to_service": "claude-opus",
        "task": { "type": "complex_reasoning", "prompt": "Analyze the legal implications of...", "max_tokens": 4000, "temperature": 0.3 },
        "budget": { "max_cost": 0.10, "currency": "USD" }, "timeout_ms": 60000,
        "privacy": { "allow_logging": false, "strip_pii": true }, "callback": "webrtc://peer_id/result_channel" });
    let mut d = Delegation::from_json(v.to_string().as_bytes()).unwrap();
    d.sign_with(&k).unwrap();
    Delegation::from_json(&d.to_json().unwrap())
        .unwrap()
        .verify_signature()
        .unwrap();
    d.task.temperature = 3.0;
    assert!(matches!(
        d.validate(),
        Err(MessageError::Invalid {
            field: "task.temperature",
            ..
        })
    ));
}

#[test]
fn attestation_rules() {
    let (a, b) = (key(1), key(2));
    let mut att = KarmaAttestation {
        attester: a.agent_id(),
        subject: b.agent_id(),
        dimension: "reliability.uptime".into(),
        value: 0.99,
        epoch: 7,
        timestamp_ms: 1,
        signature: None,
    };
    att.validate().unwrap();
    att.sign_with(&a).unwrap();
    KarmaAttestation::from_cbor(&att.to_cbor().unwrap())
        .unwrap()
        .verify_signature()
        .unwrap();
    att.value = 1.5;
    assert!(att.validate().is_err());
    att.value = 0.5;
    att.subject = a.agent_id();
    assert!(att.validate().is_err());
    let mut m = BTreeMap::new();
    m.insert("x".to_string(), 1.0);
    assert!(aos_protocol::karma::check_requirements(&Default::default(), &m).is_err());
}

#[test]
fn plan_rules() {
    let step = |id: &str| PlanStep {
        id: id.into(),
        step_type: StepType::ComplexReasoning,
        description: String::new(),
        privacy_required: false,
        estimated_tokens: 10,
        budget: 0.02,
        acceptance: None,
    };
    let p = Plan {
        request: "q".into(),
        steps: vec![step("a"), step("a")],
    };
    assert!(matches!(
        p.validate(),
        Err(MessageError::Invalid {
            field: "steps.id",
            ..
        })
    ));
    let j = br#"{"request":"q","steps":[{"id":"a","type":"weather_lookup","description":"","privacy_required":true,"estimated_tokens":1,"budget":0}]}"#;
    let p = Plan::from_json(j).unwrap();
    assert_eq!(
        p.steps[0].step_type,
        StepType::Other("weather_lookup".into())
    );
    assert_eq!(
        StepType::from("human_task".to_string()),
        StepType::HumanTask
    );
}

/// Issue 13: a spec carries its acceptance criteria; the signature covers them, JSON and
/// CBOR round-trip, and a spec written before the field existed still parses and keeps
/// its signature (the absent field is not serialised).
#[test]
fn task_spec_with_acceptance_signs_and_round_trips() {
    let k = key(3);
    let old = TaskSpec::prompt(
        "t",
        "extraction",
        k.agent_id(),
        "list the events",
        60_000,
        1,
    );
    let mut signed_old = old.clone();
    signed_old.sign_with(&k).unwrap();
    let text = String::from_utf8(signed_old.to_json().unwrap()).unwrap();
    assert!(!text.contains("acceptance"), "{text}");
    TaskSpec::from_json(text.as_bytes())
        .unwrap()
        .verify_signature()
        .unwrap();

    let acceptance: Acceptance = serde_json::from_value(json!({
        "checks": [
            {"kind": "json_schema", "schema": {"type": "array", "items": {"type": "string"}}},
            {"kind": "numeric", "expected": 2.5, "tolerance": 0.25},
            {"kind": "quotes_in_input", "field": ""},
            {"kind": "language", "code": "eng"}
        ],
        "rubric": {"criteria": ["names every event"], "threshold_bps": 6000},
        "agreement": {"k": 3, "measure": "exact", "threshold_bps": 10000}
    }))
    .unwrap();
    let mut t = old.with_acceptance(acceptance);
    t.sign_with(&k).unwrap();
    let j = TaskSpec::from_json(&t.to_json().unwrap()).unwrap();
    j.verify_signature().unwrap();
    assert_eq!(j, t);
    let c = TaskSpec::from_cbor(&t.to_cbor().unwrap()).unwrap();
    c.verify_signature().unwrap();
    assert_eq!(c, t);
    let mut loosened = t.clone();
    if let Some(r) = loosened.acceptance.as_mut().and_then(|a| a.rubric.as_mut()) {
        r.threshold_bps = 0;
    }
    assert!(
        loosened.verify_signature().is_err(),
        "the criteria are signed"
    );
    let mut bad = t;
    if let Some(a) = bad.acceptance.as_mut() {
        a.checks.push(Check::Language {
            code: "english".into(),
        });
    }
    let err = TaskSpec::from_json(&bad.to_json().unwrap()).unwrap_err();
    assert!(err.to_string().contains("acceptance.checks.code"), "{err}");
}
