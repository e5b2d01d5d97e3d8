//! Message types, in the white paper's JSON formats (§4.3, §6.2, §6.3), acceptance criteria and verdicts (issue 13), with validation,
//! JSON and deterministic-CBOR codecs, signing and JSON Schemas.
//!
//! Every type implements [`Message`]: `from_json` / `from_cbor` refuse inputs above
//! [`MAX_MESSAGE_BYTES`] and run [`Message::validate`]; `to_cbor` is deterministic CBOR
//! (RFC 8949 §4.2.1). Signed types ([`TaskSpec`], [`Delegation`], [`KarmaAttestation`], [`Verdict`])
//! implement [`crate::signing::SignedMessage`]. Unknown JSON fields are rejected, so a
//! signature covers everything a receiver reads.

mod acceptance;
mod announcement;
mod attestation;
mod common;
mod delegation;
mod error;
mod human;
mod plan;
mod result;
mod result_blob;
pub mod schema;
mod task;
mod verdict;

pub use acceptance::{
    Acceptance, Agreement, AgreementMeasure, BPS, Check, MAX_ACCEPTANCE_CHECKS, MAX_CHECKER_FUEL,
    MAX_CHECKER_MEMORY_BYTES, MAX_CHECKER_TIMEOUT_MS, MAX_CRITERION_LEN, MAX_POINTER_LEN,
    MAX_REGEX_LEN, MAX_RUBRIC_CRITERIA, MAX_SCHEMA_BYTES, MIN_CHECKER_MEMORY_BYTES,
    PhotoGeolocation, Rubric, WasmChecker,
};
pub use announcement::TaskAnnouncement;
pub use attestation::KarmaAttestation;
pub use common::{MAX_MESSAGE_BYTES, Message, Money};
pub use delegation::{DelegatedTask, Delegation, DelegationBudget, Privacy};
pub use error::MessageError;
pub use human::{Coordinates, EARTH_RADIUS_M, HumanTask, MAX_RADIUS_M, Verification, haversine_m};
pub use plan::{MAX_PLAN_STEPS, Plan, PlanStep, StepType};
pub use result::{Executor, TaskResult, Timing};
pub use result_blob::{ResultBlob, is_hash};
pub use task::{MAX_DELEGATION_DEPTH, Requirements, TaskSpec};
pub use verdict::{
    CheckOutcome, JudgeRecord, MAX_JUDGE_ID_LEN, MAX_RATIONALE_LEN, MAX_REASON_LEN,
    MAX_VERDICT_CHECKS, Verdict,
};
