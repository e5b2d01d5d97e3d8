//! # aos-chain — the AOS contracts from Rust
//!
//! The one home of chain plumbing (DESIGN.md "Homes"): bindings generated with `alloy::sol!`
//! from the JSON ABIs in `chain/abi/` (exported from the forge artefacts by
//! `script/export-abi.sh`; `script/test.sh` fails if they drift); typed wrappers for every
//! market, registry, karma, court and ERC-20 call ([`AosContracts`]); agent registration;
//! the adaptive log scanner ([`LogScanner`]) and the task terms from `TaskPosted`
//! ([`AosContracts::task_terms`]); a task's ERC-1497-style evidence ([`TaskEvidence`]); the
//! [`TaskParams`] builder; custom errors decoded into a
//! typed [`Revert`]; the contracts' enums ([`TaskStatus`], [`Phase`], [`SeatState`],
//! [`Verdict`], [`Ruling`]); Ethereum keystores (EIP-2335-style encrypted JSON, via
//! `alloy-signer-local`/`eth-keystore`); the deployments JSON that `script/Deploy.s.sol`
//! writes; and [`Devnet`]: a real anvil with the contracts deployed by the real deploy script.
//!
//! Business rules live in the contracts; this crate only encodes, sends, reads and decodes.

mod bindings;
mod client;
mod court;
mod deployments;
pub mod devnet;
mod domain;
mod erc20;
mod error;
mod evidence;
mod keystore;
mod params;
mod register;
mod revert;
mod scan;
mod status;
mod terms;

pub use bindings::{agent_registry, dispute_court, karma_registry, task_market};
pub use client::{AosContracts, TxOutcome, stake_of, status_of, task_id_of};
pub use court::{CourtNews, commitment_of, events_of, send_call};
pub use deployments::{Deployments, DeploymentsError};
pub use devnet::{ANVIL_MNEMONIC, Devnet, DevnetError, provider_for};
pub use domain::{DomainError, bytes32_to_domain, domain_to_bytes32};
pub use erc20::{IERC20, ierc20};
pub use error::ChainError;
pub use evidence::{TaskEvidence, evidence_group_of, task_of_evidence_group};
pub use keystore::{KeystoreError, create_keystore, load_keystore};
pub use params::TaskParamsBuilder;
pub use register::RegisterError;
pub use revert::{Revert, decode_revert};
pub use scan::{LogScanner, ScanError, is_range_error, suggested_range_end};
pub use status::{Phase, Ruling, SeatState, TaskStatus, UnknownName, Verdict};
pub use terms::{PostedTask, TermsError};

/// The task terms (`ITaskMarket.TaskParams`), re-exported from the bindings.
pub type TaskParams = task_market::ITaskMarket::TaskParams;
/// The task's mutable state (`ITaskMarket.TaskState`).
pub type TaskState = task_market::ITaskMarket::TaskState;
