//! Evaluator benchmarks (issue 13 "Performance"):
//! * deterministic checks (JSON Schema + patterns + length + quotes in input) on a 1 MiB
//!   JSON output, against parsing the same output with `serde_json` and hashing it with
//!   BLAKE3 in the same run (target ≥ 1 000 verdicts/s);
//! * a trivial WASM checker, start + run, from the module cache against compiling it
//!   first (target ≤ 5 ms cached).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aos_protocol::ContentId;
use aos_protocol::messages::{Acceptance, Check, WasmChecker};
use aos_verify::{CompiledChecks, Sandbox};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

// the interleaved timing loop shared with aos-protocol's benches
#[path = "../../protocol/benches/common/mod.rs"]
mod common;

const OUTPUT_BYTES: usize = 1 << 20;

/// A report of 1 500 distinct sentences (~70 KiB) as the task input.
fn input() -> Value {
    let report: Vec<String> = (0..1500)
        .map(|i| {
            format!(
                "At {:02}:{:02} UTC host web-{i} logged event {i}: the certificate check returned code {}.",
                (i / 60) % 24,
                i % 60,
                i * 7 % 1000
            )
        })
        .collect();
    json!({"prompt": "Extract every event with its time.", "report": report.join(" ")})
}

/// A 1 MiB timeline quoting the report (every quote occurs, so every check passes).
fn output() -> String {
    let mut events = Vec::new();
    let mut len = 0;
    let mut i = 0usize;
    while len < OUTPUT_BYTES {
        let n = i % 1500;
        let e = json!({
            "time": format!("{:02}:{:02}", (n / 60) % 24, n % 60),
            "event": format!("host web-{n} logged event {n}: the certificate check returned code {}", n * 7 % 1000),
        });
        len += e.to_string().len() + 1;
        events.push(e);
        i += 1;
    }
    json!({ "events": events }).to_string()
}

fn acceptance() -> Acceptance {
    Acceptance {
        checks: vec![
            Check::JsonSchema {
                schema: json!({
                    "type": "object", "required": ["events"],
                    "properties": {"events": {"type": "array", "items": {
                        "type": "object", "required": ["time", "event"],
                        "properties": {"time": {"type": "string", "pattern": "^\\d{2}:\\d{2}$"},
                                       "event": {"type": "string", "maxLength": 200}}}}}
                }),
            },
            Check::Pattern {
                regex: r"(?i)click on|lorem ipsum".into(),
                required: false,
            },
            Check::Pattern {
                regex: r"\d{2}:\d{2}".into(),
                required: true,
            },
            Check::Length {
                min_chars: Some(1),
                max_chars: Some(2_000_000),
            },
            Check::QuotesInInput {
                field: Some("/events".into()),
            },
        ],
        ..Default::default()
    }
}

fn checks(c: &mut Criterion) {
    let (input, output, acceptance) = (input(), output(), acceptance());
    let compiled = CompiledChecks::new(&acceptance);
    let outcomes = compiled.run(&input, &output);
    assert!(outcomes.iter().all(|o| o.pass), "{outcomes:?}");
    let input_bytes = input.to_string().len();
    let (ours, parse) = common::compare(
        Duration::from_secs(6),
        || {
            black_box(compiled.run(black_box(&input), black_box(&output)));
        },
        || {
            black_box(serde_json::from_str::<Value>(black_box(&output)).ok());
        },
    );
    let (_, hash) = common::compare(
        Duration::from_secs(2),
        || {},
        || {
            black_box(blake3::hash(black_box(output.as_bytes())));
        },
    );
    println!(
        "deterministic checks (schema + 2 patterns + length + {} quotes in a {input_bytes}-byte input) on a {}-byte JSON output: \
         {ours:.0} verdicts/s (target >= 1000); serde_json parse of the same output: {parse:.0}/s, ratio {:.3}; \
         blake3 of it: {hash:.0}/s",
        output.matches("\"event\"").count(),
        output.len(),
        ours / parse,
    );
    // what each check costs, for the record
    for (name, acc) in [
        ("json_schema", vec![acceptance.checks[0].clone()]),
        ("patterns", acceptance.checks[1..3].to_vec()),
        ("length", vec![acceptance.checks[3].clone()]),
        ("quotes_in_input", vec![acceptance.checks[4].clone()]),
    ] {
        let one = CompiledChecks::new(&Acceptance {
            checks: acc,
            ..Default::default()
        });
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < Duration::from_millis(600) {
            black_box(one.run(&input, &output));
            n += 1;
        }
        println!(
            "  {name}: {:.2} ms per output",
            start.elapsed().as_secs_f64() * 1e3 / f64::from(n)
        );
    }

    let mut g = c.benchmark_group("checks_1MiB");
    g.throughput(Throughput::Bytes(output.len() as u64));
    g.bench_function("deterministic_checks", |b| {
        b.iter(|| compiled.run(black_box(&input), black_box(&output)))
    });
    g.bench_function("serde_json_parse", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(&output)))
    });
    g.finish();
}

fn wasm(c: &mut Criterion) {
    let bytes = wat::parse_str(
        r#"(module
  (import "aos" "reason" (func $reason (param i32 i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (data (i32.const 0) "long enough")
  (func (export "alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $len)))
    (local.get $p))
  (func (export "check") (param i32 i32 i32 i32) (result i64)
    (call $reason (i32.const 0) (i32.const 11))
    (i64.const 0x100002710)))"#,
    )
    .expect("wat");
    let id = ContentId::of(&bytes);
    let limits = WasmChecker {
        module: id,
        fuel: 1_000_000,
        memory_bytes: 1 << 20,
        timeout_ms: 1000,
    };
    let (input, output) = (br#"{"prompt":"x"}"#.as_slice(), b"an answer".as_slice());
    let sandbox = Sandbox::default();
    sandbox.compile(&id, &bytes).expect("compile");
    let cached = || {
        let m = sandbox.cached(&id).expect("cached");
        black_box(sandbox.run(&m, &limits, input, output).expect("run"));
    };
    let uncompiled = || {
        let m = sandbox
            .compile_uncached(black_box(&bytes))
            .expect("compile");
        black_box(sandbox.run(&m, &limits, input, output).expect("run"));
    };
    let (hot, cold) = common::compare(Duration::from_secs(3), cached, uncompiled);
    println!(
        "WASM checker ({} bytes) start + run: cached {:.1} µs ({hot:.0}/s, target <= 5 ms), compiled each time {:.1} µs ({cold:.0}/s), cached/compiled speed ratio {:.2}",
        bytes.len(),
        1e6 / hot,
        1e6 / cold,
        hot / cold
    );
    let mut g = c.benchmark_group("wasm_checker");
    g.bench_function("cached", |b| b.iter(cached));
    g.bench_function("uncompiled", |b| b.iter(uncompiled));
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(20)
}

criterion_group! { name = group; config = config(); targets = checks, wasm }
criterion_main!(group);
