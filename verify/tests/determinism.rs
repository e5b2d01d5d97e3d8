//! The same spec and result give byte-identical verdict blobs across runs and across
//! processes (issue 13): the test binary runs itself twice as a child and compares.

mod common;

use std::process::Command;
use std::sync::Arc;

use aos_protocol::messages::{Acceptance, Check};
use aos_verify::{Evaluator, MemoryBlobs};
use serde_json::json;

const CHILD_TEST: &str = "child_prints_its_verdict_blob";
const MARK: &str = "VERDICT-BLOB ";

/// A verdict over every deterministic kind plus a WASM checker, signed: its JSON bytes.
fn verdict_blob() -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let blobs = Arc::new(MemoryBlobs::new());
        let checker = blobs.insert(common::length_checker());
        let spec = common::spec(Acceptance {
            checks: vec![
                Check::JsonSchema {
                    schema: json!({"type": "object", "required": ["events"]}),
                },
                Check::QuotesInInput {
                    field: Some("/events".into()),
                },
                Check::Pattern {
                    regex: "(?i)click on".into(),
                    required: false,
                },
                Check::Length {
                    min_chars: Some(10),
                    max_chars: Some(10_000),
                },
                Check::Language { code: "eng".into() },
                Check::Numeric {
                    expected: 1.5,
                    tolerance: 0.1,
                },
            ],
            checker: Some(common::limits(checker)),
            ..Default::default()
        });
        let output = r#"{"events": ["the checkout service began failing TLS handshakes", "November 2023", "a renewed certificate was deployed"]}"#;
        let (r, h) = common::result(&spec, output);
        let v = Evaluator::new(Some(common::evaluator_key()))
            .with_blobs(blobs)
            .evaluate(&spec, &common::spec_hash(&spec), &h, &r)
            .await
            .expect("evaluate");
        v.to_blob().expect("blob").0
    })
}

/// Run only as a child of the test below (`--ignored`): prints the blob on one line.
#[test]
#[ignore = "a child process of verdict_blobs_are_identical_across_runs_and_processes"]
fn child_prints_its_verdict_blob() {
    let blob = String::from_utf8(verdict_blob()).expect("JSON is UTF-8");
    println!("{MARK}{blob}");
}

#[test]
fn verdict_blobs_are_identical_across_runs_and_processes() {
    let here = verdict_blob();
    assert_eq!(here, verdict_blob(), "two runs in one process differ");
    let text = String::from_utf8(here.clone()).unwrap();
    assert!(!text.contains('\n'), "compact JSON on one line");
    assert!(text.contains("\"pass\":false"), "{text}");
    for _ in 0..2 {
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--ignored",
                "--exact",
                CHILD_TEST,
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .output()
            .expect("spawn the test binary");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.find(MARK).map(|i| &l[i + MARK.len()..]))
            .unwrap_or_else(|| panic!("no blob in the child's output:\n{stdout}"));
        assert_eq!(
            line.as_bytes(),
            here.as_slice(),
            "another process gave other bytes"
        );
    }
}
