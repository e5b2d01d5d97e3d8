//! Bad input never panics: arbitrary and mutated bytes into the photo reader and the
//! module compiler, arbitrary outputs and inputs into every check, arbitrary answers into
//! the agreement. (Cases: `PROPTEST_CASES`, default 256 per property.)

mod common;

use aos_protocol::messages::{Acceptance, Agreement, AgreementMeasure, Check, Rubric};
use aos_verify::{Sandbox, agreement, read_photo, run_checks};
use proptest::prelude::*;
use serde_json::json;

fn every_check() -> Acceptance {
    Acceptance {
        checks: vec![
            Check::JsonSchema {
                schema: json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "^x+$"}}}),
            },
            Check::Pattern {
                regex: r"(?i)\bclick\b".into(),
                required: false,
            },
            Check::Length {
                min_chars: Some(1),
                max_chars: Some(50),
            },
            Check::Numeric {
                expected: 1.0,
                tolerance: 0.5,
            },
            Check::QuotesInInput { field: None },
            Check::QuotesInInput {
                field: Some("/a".into()),
            },
            Check::Language { code: "eng".into() },
        ],
        rubric: Some(Rubric {
            criteria: vec!["anything".into()],
            threshold_bps: 1,
        }),
        ..Default::default()
    }
}

proptest! {
    #[test]
    fn checks_take_any_output_and_input(output in "\\PC{0,200}", quote in "\\PC{0,20}", key in "[a-z]{1,5}") {
        let acceptance = every_check();
        let input = json!({key: format!("some text with {quote} inside")});
        for out in [output, format!("\"{quote}\""), format!("{{\"a\": {}}}", json!(quote))] {
            let outcomes = run_checks(&acceptance, &input, &out);
            prop_assert_eq!(outcomes.len(), 8);
            for o in outcomes {
                prop_assert!(o.score_bps <= 10_000 && o.reason.len() <= 1024 && !o.kind.is_empty());
            }
        }
    }

    #[test]
    fn photo_reader_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_photo(&bytes);
        let mut jpeg = b"\xff\xd8\xff\xe1".to_vec();
        jpeg.extend_from_slice(&bytes);
        let _ = read_photo(&jpeg);
    }

    #[test]
    fn module_compiler_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512), cut in 0usize..200) {
        let sandbox = Sandbox::default();
        prop_assert!(sandbox.compile_uncached(&bytes).is_err());
        let mut module = common::length_checker();
        module.truncate(cut.min(module.len()));
        let _ = sandbox.compile_uncached(&module);
        let mut flipped = common::length_checker();
        let at = cut % flipped.len();
        flipped[at] ^= 0x5a;
        let _ = sandbox.compile_uncached(&flipped);
    }

    #[test]
    fn agreement_takes_any_answers(answers in prop::collection::vec("\\PC{0,30}", 0..9), t in 0u16..=10_000, jaccard in any::<bool>()) {
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let a = Agreement { k: 3, measure: if jaccard { AgreementMeasure::Jaccard } else { AgreementMeasure::Exact }, threshold_bps: t };
        let out = agreement(&refs, &a);
        prop_assert_eq!(out.len(), answers.len());
        let passing: Vec<usize> = out.iter().filter(|o| o.pass).map(|o| o.index).collect();
        // the passing answers are one group of at least two
        prop_assert!(passing.is_empty() || passing.len() >= 2);
    }
}
