//! # aos-chain — the AOS contracts from Rust
//!
//! Bindings generated with `alloy::sol!` from the JSON ABIs in `chain/abi/` (exported from the
//! forge artefacts by `script/export-abi.sh`; `script/test.sh` fails if they drift), typed
//! wrappers for every market/registry/karma/court call and event, decoding of custom errors
//! into readable messages, Ethereum keystores (EIP-2335-style encrypted JSON, via
//! `alloy-signer-local`/`eth-keystore`), the deployments JSON that `script/Deploy.s.sol`
//! writes, and [`Devnet`]: a real anvil with the contracts deployed by the real deploy script.
//!
//! Business rules live in the contracts; this crate only encodes, sends, reads and decodes.

mod bindings;
mod client;
mod deployments;
pub mod devnet;
mod domain;
mod error;
mod keystore;
mod revert;

pub use bindings::{agent_registry, dispute_court, karma_registry, task_market};
pub use client::{AosContracts, TaskStatus, TxOutcome, stake_of, task_id_of};
pub use deployments::{Deployments, DeploymentsError};
pub use devnet::{ANVIL_MNEMONIC, Devnet, DevnetError, provider_for};
pub use domain::{DomainError, bytes32_to_domain, domain_to_bytes32};
pub use error::ChainError;
pub use keystore::{KeystoreError, create_keystore, load_keystore};
pub use revert::{decode_revert, hint_for};

/// The task terms (`ITaskMarket.TaskParams`), re-exported from the bindings.
pub type TaskParams = task_market::ITaskMarket::TaskParams;
/// The task's mutable state (`ITaskMarket.TaskState`).
pub type TaskState = task_market::ITaskMarket::TaskState;
