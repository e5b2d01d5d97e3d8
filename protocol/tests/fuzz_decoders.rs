//! Proptest-driven fuzzing: arbitrary and mutated bytes into every decoder must return an
//! error or a value, never panic. 20 000 cases per decoder family by default; set
//! `PROPTEST_CASES` to change.

use aos_protocol::dag::DagNode;
use aos_protocol::envelope::Envelope;
use aos_protocol::messages::*;
use aos_protocol::{AgentKey, KeyFile};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000)
}

fn all_decoders(bytes: &[u8]) {
    let _ = Envelope::decode(bytes);
    let _ = DagNode::decode(bytes);
    let _ = TaskSpec::from_json(bytes);
    let _ = TaskSpec::from_cbor(bytes);
    let _ = HumanTask::from_json(bytes);
    let _ = HumanTask::from_cbor(bytes);
    let _ = Delegation::from_json(bytes);
    let _ = Delegation::from_cbor(bytes);
    let _ = TaskResult::from_json(bytes);
    let _ = TaskResult::from_cbor(bytes);
    let _ = KarmaAttestation::from_json(bytes);
    let _ = KarmaAttestation::from_cbor(bytes);
    let _ = Plan::from_json(bytes);
    let _ = Plan::from_cbor(bytes);
    let _ = Verdict::from_json(bytes);
    let _ = Verdict::from_cbor(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        let _ = KeyFile::from_json(s);
        let _ = s.parse::<aos_protocol::AgentId>();
        let _ = s.parse::<aos_protocol::ContentId>();
    }
}

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(make_seeds)
}

fn make_seeds() -> Vec<Vec<u8>> {
    let k = AgentKey::from_secret_bytes(&[5; 32]);
    let env = Envelope::sign(&k, "aos/x/v1", 1, 2, 3, b"{\"a\":1}".to_vec())
        .unwrap()
        .encode();
    let dag = DagNode::new("tree", vec![aos_protocol::ContentId::of(b"x")], vec![1, 2])
        .unwrap()
        .encode()
        .unwrap();
    let plan = Plan {
        request: "q".into(),
        steps: vec![PlanStep {
            id: "a".into(),
            step_type: StepType::HumanTask,
            description: "d".into(),
            privacy_required: true,
            estimated_tokens: 5,
            budget: 0.5,
            acceptance: None,
        }],
    };
    vec![env, dag, plan.to_json().unwrap(), plan.to_cbor().unwrap()]
}

proptest! {
    #![proptest_config(Config { cases: cases(), failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        all_decoders(&bytes);
    }

    #[test]
    fn mutated_valid_inputs_never_panic(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut b = seeds()[which].clone();
        for (i, v) in edits {
            let n = b.len();
            b[i.index(n)] = v;
        }
        let n = b.len();
        all_decoders(&b);
        all_decoders(&b[..cut.index(n + 1)]);
    }
}
