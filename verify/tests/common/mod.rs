//! Shared builders for the integration tests: specs, results and checker modules.
#![allow(dead_code)] // each test binary uses a different part

use aos_protocol::messages::{Acceptance, Message, ResultBlob, TaskSpec, Timing, WasmChecker};
use aos_protocol::{AgentKey, ContentId};
use serde_json::json;

/// The incident report the extraction tasks quote from.
pub(crate) const REPORT: &str = "At 09:12 UTC on 4 March the checkout service began failing TLS \
handshakes. The certificate for pay.example.com had expired at 09:10 UTC. On-call paged \
the payments team at 09:20; a renewed certificate was deployed at 10:05 and checkout \
recovered at 10:07.";

pub(crate) fn requester() -> AgentKey {
    AgentKey::from_secret_bytes(&[11; 32])
}

pub(crate) fn evaluator_key() -> AgentKey {
    AgentKey::from_secret_bytes(&[12; 32])
}

/// A signed spec asking to work on the report, with `acceptance`.
pub(crate) fn spec(acceptance: Acceptance) -> TaskSpec {
    let mut s = TaskSpec::prompt(
        "extract-timeline",
        "extraction",
        requester().agent_id(),
        "List the incident's timeline.",
        600_000,
        10_000_000_000_000_000,
    )
    .with_acceptance(acceptance);
    s.input = json!({"prompt": "List the incident's timeline.", "report": REPORT});
    aos_protocol::SignedMessage::sign_with(&mut s, &requester()).expect("sign");
    s
}

/// The spec's blob id as `0x…`.
pub(crate) fn spec_hash(spec: &TaskSpec) -> String {
    ContentId::of(&spec.to_json().expect("json")).to_string()
}

/// A result blob for `spec` with `output`, and its id.
pub(crate) fn result(spec: &TaskSpec, output: &str) -> (ResultBlob, String) {
    let r = ResultBlob {
        task_id: format!("0x{}", "5a".repeat(32)),
        spec_hash: spec_hash(spec),
        worker: AgentKey::from_secret_bytes(&[13; 32]).agent_id(),
        executor: "local_llama".into(),
        model: Some("SmolLM2-135M-Instruct.Q4_1.gguf".into()),
        output: output.into(),
        timing: Timing {
            started_at_ms: 1_000,
            finished_at_ms: 2_000,
            input_tokens: Some(100),
            output_tokens: Some(50),
        },
    };
    let id = ContentId::of(&r.to_json().expect("json")).to_string();
    (r, id)
}

/// Limits for test checkers: 10 M fuel, 16 MiB, 5 s.
pub(crate) fn limits(module: ContentId) -> WasmChecker {
    WasmChecker {
        module,
        fuel: 10_000_000,
        memory_bytes: 16 << 20,
        timeout_ms: 5_000,
    }
}

/// The ABI's bump allocator and memory, shared by the test checkers (`$next` starts at
/// 4096, above the data segment for reasons).
pub(crate) const ALLOC: &str = r#"
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 4096))
  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $p i32) (local $end i32) (local $need i32)
    (local.set $p (global.get $next))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $need (i32.sub
      (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
      (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $need)) (i32.const -1)) (then unreachable))))
    (global.set $next (local.get $end))
    (local.get $p))
"#;

/// A module from a WAT body placed after the allocator and the reason import.
pub(crate) fn wasm(body: &str) -> Vec<u8> {
    let text = format!(
        r#"(module
  (import "aos" "reason" (func $reason (param i32 i32)))
  {ALLOC}
  {body})"#
    );
    wat::parse_str(&text).expect("test WAT parses")
}

/// The trivial checker: passes (10 000 bps, reason "long enough") when the output has at
/// least 2 bytes, else fails (2 500 bps, reason "too short").
pub(crate) fn length_checker() -> Vec<u8> {
    wasm(
        r#"
  (data (i32.const 0) "long enough")
  (data (i32.const 16) "too short")
  (func (export "check") (param $ip i32) (param $il i32) (param $op i32) (param $ol i32) (result i64)
    (if (result i64) (i32.ge_u (local.get $ol) (i32.const 2))
      (then (call $reason (i32.const 0) (i32.const 11)) (i64.const 0x100002710))
      (else (call $reason (i32.const 16) (i32.const 9)) (i64.const 2500))))
"#,
    )
}
