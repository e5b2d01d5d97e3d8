//! The WASM checker sandbox (white paper §8.1): fuel, memory cap, wall clock, no imports
//! but `aos.reason`, clear errors for malformed modules, and the module cache.

mod common;

use std::sync::Arc;

use aos_protocol::ContentId;
use aos_protocol::messages::{Acceptance, WasmChecker};
use aos_verify::{Evaluator, MemoryBlobs, Sandbox, SandboxError, WASM_CHECKER};
use common::{length_checker, limits, wasm};

fn run(
    module_bytes: &[u8],
    limits: &WasmChecker,
    output: &str,
) -> Result<aos_verify::CheckerRun, SandboxError> {
    let sandbox = Sandbox::default();
    let module = sandbox.compile(&ContentId::of(module_bytes), module_bytes)?;
    sandbox.run(&module, limits, br#"{"prompt":"x"}"#, output.as_bytes())
}

#[test]
fn a_trivial_checker_passes_and_fails_with_its_reason() {
    let bytes = length_checker();
    let l = limits(ContentId::of(&bytes));
    let pass = run(&bytes, &l, "a good answer").unwrap();
    assert!(pass.pass);
    assert_eq!(pass.score_bps, 10_000);
    assert_eq!(pass.reason.as_deref(), Some("long enough"));
    assert!(
        pass.fuel_used > 0 && pass.fuel_used < 1_000,
        "{}",
        pass.fuel_used
    );
    let fail = run(&bytes, &l, "x").unwrap();
    assert!(!fail.pass);
    assert_eq!(fail.score_bps, 2500);
    assert_eq!(fail.reason.as_deref(), Some("too short"));
}

#[test]
fn an_infinite_loop_stops_on_fuel() {
    let bytes = wasm(
        r#"(func (export "check") (param i32 i32 i32 i32) (result i64)
             (loop $forever (br $forever)) (i64.const 0))"#,
    );
    let l = WasmChecker {
        fuel: 3_500_000,
        ..limits(ContentId::of(&bytes))
    };
    let started = std::time::Instant::now();
    let e = run(&bytes, &l, "answer").unwrap_err();
    assert_eq!(e, SandboxError::OutOfFuel { fuel: 3_500_000 });
    assert!(e.is_deterministic());
    assert!(
        e.to_string()
            .contains("ran out of fuel after 3500000 units"),
        "{e}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn a_slow_loop_stops_on_the_wall_clock() {
    let bytes = wasm(
        r#"(func (export "check") (param i32 i32 i32 i32) (result i64)
             (loop $forever (br $forever)) (i64.const 0))"#,
    );
    let l = WasmChecker {
        fuel: aos_protocol::messages::MAX_CHECKER_FUEL,
        timeout_ms: 20,
        ..limits(ContentId::of(&bytes))
    };
    let started = std::time::Instant::now();
    let e = run(&bytes, &l, "answer").unwrap_err();
    assert_eq!(e, SandboxError::Timeout { timeout_ms: 20 });
    assert!(!e.is_deterministic());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn growing_memory_to_4_gib_stops_on_the_cap() {
    let bytes = wasm(
        r#"(func (export "check") (param i32 i32 i32 i32) (result i64)
             (drop (memory.grow (i32.const 65535))) (i64.const 0x100002710))"#,
    );
    let l = limits(ContentId::of(&bytes));
    let e = run(&bytes, &l, "answer").unwrap_err();
    assert_eq!(
        e,
        SandboxError::MemoryLimit {
            limit_bytes: 16 << 20
        }
    );
    assert!(
        e.to_string().contains("memory cap of 16777216 bytes"),
        "{e}"
    );
    // a module whose initial memory is above the cap cannot even start
    let big = wat::parse_str(
        r#"(module (memory (export "memory") 512)
             (func (export "alloc") (param i32) (result i32) (i32.const 0))
             (func (export "check") (param i32 i32 i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    let e = run(&big, &limits(ContentId::of(&big)), "answer").unwrap_err();
    assert!(matches!(e, SandboxError::MemoryLimit { .. }), "{e:?}");
}

#[test]
fn wasi_files_and_sockets_are_refused_before_running() {
    for (module, name) in [
        ("wasi_snapshot_preview1", "fd_write"),
        ("wasi_snapshot_preview1", "path_open"),
        ("wasi_snapshot_preview1", "sock_accept"),
        ("wasi_snapshot_preview1", "clock_time_get"),
        ("env", "socket"),
    ] {
        let text = format!(
            r#"(module
                 (import "{module}" "{name}" (func $f (param i32 i32 i32 i32) (result i32)))
                 {alloc}
                 (func (export "check") (param i32 i32 i32 i32) (result i64)
                   (drop (call $f (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
                   (i64.const 0x100002710)))"#,
            alloc = common::ALLOC
        );
        let bytes = wat::parse_str(&text).unwrap();
        let e = run(&bytes, &limits(ContentId::of(&bytes)), "answer").unwrap_err();
        assert_eq!(
            e,
            SandboxError::ForbiddenImport {
                module: module.into(),
                name: name.into(),
                kind: "function"
            }
        );
        assert!(e.to_string().contains("no WASI"), "{e}");
    }
    // an imported memory is refused too
    let bytes = wat::parse_str(r#"(module (import "env" "memory" (memory 1)))"#).unwrap();
    let e = run(&bytes, &limits(ContentId::of(&bytes)), "x").unwrap_err();
    assert!(
        matches!(e, SandboxError::ForbiddenImport { kind: "memory", .. }),
        "{e:?}"
    );
}

#[test]
fn malformed_modules_are_clear_errors() {
    for bytes in [
        b"not wasm at all".to_vec(),
        b"\0asm\x01\0\0\0\x01\xff\xff".to_vec(),
        Vec::new(),
    ] {
        let e = run(&bytes, &limits(ContentId::of(&bytes)), "x").unwrap_err();
        assert!(matches!(e, SandboxError::Malformed(_)), "{e:?}");
        assert!(
            e.to_string().starts_with("malformed checker module: "),
            "{e}"
        );
    }
    // a start function is refused
    let bytes = wat::parse_str(
        r#"(module (memory (export "memory") 1) (func $s) (start $s)
             (func (export "alloc") (param i32) (result i32) (i32.const 0))
             (func (export "check") (param i32 i32 i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    assert!(matches!(
        run(&bytes, &limits(ContentId::of(&bytes)), "x"),
        Err(SandboxError::Malformed(_))
    ));
    // bytes that are not the module the id names
    let sandbox = Sandbox::default();
    let e = sandbox
        .compile(&ContentId::of(b"other"), &length_checker())
        .unwrap_err();
    assert!(e.to_string().contains("hash mismatch"), "{e}");
}

#[test]
fn abi_breaches_are_named() {
    let no_check = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "alloc") (param i32) (result i32) (i32.const 0)))"#,
    )
    .unwrap();
    let e = run(&no_check, &limits(ContentId::of(&no_check)), "x").unwrap_err();
    assert_eq!(
        e,
        SandboxError::BadAbi("the module does not export the function `check`".into())
    );
    let bad_result =
        wasm(r#"(func (export "check") (param i32 i32 i32 i32) (result i64) (i64.const -1))"#);
    let e = run(&bad_result, &limits(ContentId::of(&bad_result)), "x").unwrap_err();
    assert!(
        matches!(e, SandboxError::BadAbi(_)) && e.to_string().contains("check returned"),
        "{e}"
    );
    let wild_alloc = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "alloc") (param i32) (result i32) (i32.const -256))
             (func (export "check") (param i32 i32 i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    let e = run(&wild_alloc, &limits(ContentId::of(&wild_alloc)), "x").unwrap_err();
    assert!(e.to_string().contains("outside the memory"), "{e}");
    let trap = wasm(r#"(func (export "check") (param i32 i32 i32 i32) (result i64) unreachable)"#);
    let e = run(&trap, &limits(ContentId::of(&trap)), "x").unwrap_err();
    assert!(matches!(e, SandboxError::Trap(_)), "{e:?}");
    let long_reason = wasm(
        r#"(func (export "check") (param i32 i32 i32 i32) (result i64)
             (call $reason (i32.const 0) (i32.const 100000)) (i64.const 0))"#,
    );
    let e = run(&long_reason, &limits(ContentId::of(&long_reason)), "x").unwrap_err();
    assert!(e.to_string().contains("reason of 100000 bytes"), "{e}");
}

#[test]
fn the_cache_reuses_modules_and_fuel_does_not_depend_on_it() {
    let bytes = length_checker();
    let id = ContentId::of(&bytes);
    let sandbox = Sandbox::default();
    assert!(sandbox.cached(&id).is_none());
    let m = sandbox.compile(&id, &bytes).unwrap();
    assert!(sandbox.cached(&id).is_some());
    let l = limits(id);
    let a = sandbox.run(&m, &l, b"{}", b"answer").unwrap();
    let cached = sandbox.cached(&id).unwrap();
    let b = sandbox.run(&cached, &l, b"{}", b"answer").unwrap();
    let fresh = Sandbox::default().compile_uncached(&bytes).unwrap();
    let c = Sandbox::default()
        .run(&fresh, &l, b"{}", b"answer")
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[tokio::test]
async fn the_evaluator_runs_the_spec_checker_from_a_blob() {
    let blobs = Arc::new(MemoryBlobs::new());
    let id = blobs.insert(length_checker());
    let spec = common::spec(Acceptance {
        checker: Some(limits(id)),
        ..Default::default()
    });
    let ev = Evaluator::new(None).with_blobs(blobs.clone());
    let (good, good_hash) = common::result(&spec, "09:12 outage");
    let v = ev
        .evaluate(&spec, &common::spec_hash(&spec), &good_hash, &good)
        .await
        .unwrap();
    assert!(v.pass, "{v:?}");
    assert_eq!(v.checks[0].kind, WASM_CHECKER);
    assert_eq!(v.checks[0].reason, "long enough");
    let (bad, bad_hash) = common::result(&spec, "?");
    let v = ev
        .evaluate(&spec, &common::spec_hash(&spec), &bad_hash, &bad)
        .await
        .unwrap();
    assert!(!v.pass);
    assert_eq!(
        (v.score_bps, v.checks[0].reason.as_str()),
        (2500, "too short")
    );

    // a checker that loops is a failing check (deterministic), not an error
    let looping = blobs.insert(wasm(
        r#"(func (export "check") (param i32 i32 i32 i32) (result i64)
             (loop $l (br $l)) (i64.const 0))"#,
    ));
    let spec = common::spec(Acceptance {
        checker: Some(WasmChecker {
            fuel: 1_000_000,
            ..limits(looping)
        }),
        ..Default::default()
    });
    let (r, h) = common::result(&spec, "answer");
    let v = ev
        .evaluate(&spec, &common::spec_hash(&spec), &h, &r)
        .await
        .unwrap();
    assert!(!v.pass);
    assert!(v.checks[0].reason.contains("ran out of fuel"), "{v:?}");

    // a module no source has is a retryable error, not a verdict against the worker
    let missing = common::spec(Acceptance {
        checker: Some(limits(ContentId::of(b"nowhere"))),
        ..Default::default()
    });
    let (r, h) = common::result(&missing, "answer");
    let e = ev
        .evaluate(&missing, &common::spec_hash(&missing), &h, &r)
        .await
        .unwrap_err();
    assert!(e.is_retryable(), "{e}");
    // and without a blob source the evaluator says it cannot evaluate
    let e = Evaluator::new(None)
        .can_evaluate(missing.acceptance.as_ref().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("no blob source"), "{e}");
}
