//! # aos-worker — an AOS worker agent
//!
//! Watches for tasks on the mesh (gossip) **and** on the chain (`TaskPosted` logs, so none
//! is missed when gossip is down), checks the requirements against its own karma and
//! skills, claims on chain (a lost race is normal), runs an executor, stores the result
//! blob, submits its BLAKE3 hash, announces the result, and withdraws after acceptance
//! (DESIGN.md "worker"; white paper §6, §7.2). State lives in SQLite so a restart resumes
//! every in-flight task.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`WorkerConfig`]: TOML ← env ← flags |
//! | [`chain`] | provider with per-transaction nonces |
//! | [`announce`] | gossip payloads: task-posted announcements |
//! | [`decide`] | whether to claim: terms, skills, karma |
//! | [`engine`] | [`Worker`]: the loop, claim races, resume after a crash |
//! | [`executor`] | [`Executor`](executor::Executor): local llama, OpenAI-compatible, Anthropic, human, echo |
//! | [`store`] | [`Store`]: SQLite state, human queue, nonces |
//! | [`secrets`] | API keys encrypted at rest (Argon2id + XChaCha20-Poly1305) |
//! | [`register`] | `AgentRegistry` registration with manifest and binding signature |
//! | [`cli`] | the `aos-worker` command |

pub mod announce;
pub mod chain;
pub mod cli;
pub mod config;
pub mod decide;
pub mod engine;
pub mod executor;
pub mod register;
pub mod secrets;
pub mod store;

pub use config::WorkerConfig;
pub use engine::{Source, StepError, Worker, WorkerError, WorkerEvent, WorkerParts};
pub use store::{Store, TaskPhase};
