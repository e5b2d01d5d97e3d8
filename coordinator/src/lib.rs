//! # aos-coordinator
//!
//! The coordinator of white paper §3.3 and Part IV: a local model plans a request
//! privately ([`planner`]), each sub-task is routed by the §4.2 rules and then by cost,
//! latency and karma ([`router`], over the §4.1 [`registry`]), personal data is stripped
//! before anything leaves the machine ([`pii`]), and answers are aggregated by the karma of
//! their sources with conflict detection ([`aggregate`], §4.4). Hand-offs are signed
//! delegation messages ([`delegation`], §4.3) and every contribution yields a signed karma
//! attestation ([`attest`]).

pub mod aggregate;
pub mod ask;
pub mod attest;
pub mod cli;
pub mod delegation;
pub mod market;
pub mod pii;
pub mod planner;
pub mod registry;
pub mod router;
pub mod service;

pub use aggregate::{Aggregated, ConflictAction, Contribution, aggregate};
pub use ask::{
    AskOptions, AskReport, Coordinator, Progress, StepReport, StepVerdict, Synthesis,
    synthesis_acceptance,
};
pub use attest::{attest, service_id};
pub use delegation::{DelegationOptions, PreparedDelegation, prepare};
pub use market::{
    Accepted, Delivered, MarketDelegate, MarketError, MarketSettings, NonceFile, Rejection,
    Unanswered, Unsettled, workers_from_indexer,
};
pub use pii::{Stripped, strip_pii};
pub use planner::{PlanOutcome, Planner, PlannerOptions, plan_from_json, privacy_reasons};
pub use registry::{Endpoint, LlmRegistry, ServiceKind, ServiceProfile};
pub use router::{RouteDecision, RouteError, Router};
pub use service::{ServiceError, Services, error_chain};
