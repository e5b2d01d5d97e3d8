//! # aos-verify — the evaluator
//!
//! Judges a task's result against its spec's acceptance criteria
//! ([`aos_protocol::messages::Acceptance`], carried in the content-addressed spec whose
//! hash is on chain) and writes a signed, content-addressed
//! [`Verdict`](aos_protocol::messages::Verdict). Requester, worker and jurors run the same
//! code on the same evidence, so they reach the same verdict (issue 13; DESIGN.md
//! "Version 2", "Verification flow"; white paper §2.3 and §7.2–7.3: the fitness function
//! must reward good work, which it can only do if work is judged).
//!
//! | module | what | I/O | source of the rules |
//! |---|---|---|---|
//! | [`checks`] | JSON Schema, patterns, length, numeric, quotes in input, language: [`run_checks`] | none (pure, deterministic) | WP §6.2 (the spec), issue 13 |
//! | [`injection`] | the prompt-injection screen, run with every rubric | none | OWASP LLM01 |
//! | [`sandbox`] | WASM checker programs under fuel, memory and time caps; module cache | CPU only | WP §8.1 |
//! | [`photo`] | EXIF GPS and capture time against a target and window | none | WP §6.3 |
//! | [`agreement()`] | redundant execution: the largest agreeing group passes; [`agreement_checks`] as verdict outcomes naming the results | none | issue 13 |
//! | [`judge`] | the [`Judge`] trait, the fenced [`judge_prompt`], model judges | the model | issue 13 |
//! | [`blob`] | [`BlobSource`]: where checker modules and photos come from | the caller's | DESIGN.md "Content" |
//! | [`evaluator`] | [`Evaluator::evaluate`]: spec + result → signed verdict | all of the above | |
//!
//! Cargo features: `local` (a judge on the local GGUF model, through `aos-llm/local`;
//! compiles llama.cpp) and `remote` (judges on cloud models, through `aos-llm/remote`).
//! Neither is on by default: checks, sandbox, photo and agreement need neither.
//!
//! ## The WASM checker ABI
//!
//! A checker is a WASM module stored as a blob (its BLAKE3 id in the spec) that exports
//! `memory`, `alloc(len: i32) -> i32` and
//! `check(input_ptr: i32, input_len: i32, output_ptr: i32, output_len: i32) -> i64`,
//! returning `(pass << 32) | score_bps`, and may import only `aos.reason(ptr: i32,
//! len: i32)` to explain itself. The input is the spec's `input` as compact JSON. It runs
//! in [`wasmi`] — an interpreter, chosen over `wasmtime` because its fuel metering is
//! deterministic across machines (so jurors agree on a checker that runs out), it builds
//! in seconds from pure Rust where wasmtime brings Cranelift, and a small checker gains
//! little from a JIT. Full details: [`sandbox`].
//!
//! ## Determinism
//!
//! Verdicts hold no floats and no maps; scores are basis points; reasons are built from
//! the inputs only (no clock, no randomness, no addresses); so the same spec and result
//! give byte-identical verdict blobs on every run and machine (`tests/determinism.rs`).
//! Rubric scores depend on the judge, which the verdict names.

pub mod agreement;
pub mod blob;
pub mod checks;
pub mod evaluator;
pub mod injection;
pub mod judge;
pub mod photo;
pub mod policy;
pub mod sandbox;
mod text;

pub use agreement::{AGREEMENT, AgreementOutcome, agreement, agreement_checks, similarity_bps};
pub use blob::{BlobError, BlobSource, BoxFuture, MemoryBlobs};
pub use checks::{CompiledChecks, run_checks};
pub use evaluator::{EvalError, Evaluator, RUBRIC, Unsupported, WASM_CHECKER, check_acceptance};
pub use injection::INJECTION_SCREEN;
#[cfg(any(feature = "local", feature = "remote"))]
pub use judge::LlmJudge;
pub use judge::{Judge, JudgeError, JudgePrompt, judge_prompt};
pub use photo::{
    MAX_PHOTO_BYTES, PHOTO_GEOLOCATION, PhotoError, PhotoFacts, check_photo, read_photo,
};
pub use policy::{Decision, ReviewPolicy, UnknownPolicy};
pub use sandbox::{CheckerModule, CheckerRun, Sandbox, SandboxError};
