//! # aos-llm — the models
//!
//! The one home of model calls (DESIGN.md "Homes"): the worker's executors and the
//! coordinator's planner and services all go through this crate.
//!
//! | cargo feature | what | module |
//! |---|---|---|
//! | `local` | one GGUF model run by llama.cpp (`llama-cpp-2`), owned by a thread: [`LocalClient`] | `model`, `actor` |
//! | `remote` | OpenAI-compatible and Anthropic HTTP clients (reqwest only, no llama.cpp) | [`remote`] |
//!
//! Local model (white paper §3.3: "a local model plans privately"):
//! * [`LocalClient::spawn`] loads a GGUF file in a thread that owns it (the llama.cpp
//!   backend is initialised once per process); requests arrive on a bounded channel and
//!   replies go back on a oneshot. Threads are always explicit: llama.cpp's default of 4
//!   halves speed on 2 cores.
//! * [`LocalModel::chat`] applies the model's built-in chat template (ChatML for SmolLM2 and
//!   Qwen), tokenises with special tokens parsed, and generates.
//! * A GBNF grammar (e.g. from [`json_schema_to_grammar`]) constrains output. The grammar is
//!   checked against the sampled token only, and the whole vocabulary is masked only when
//!   that token is rejected — llama.cpp's own `common_sampler_sample` fast path — so a
//!   grammar costs little speed. A grammar does not guarantee complete JSON under a token
//!   limit: callers bound their schemas and validate anyway.

#[cfg(feature = "local")]
mod actor;
mod chat;
mod error;
#[cfg(feature = "local")]
mod model;
#[cfg(feature = "remote")]
pub mod remote;

#[cfg(feature = "local")]
pub use actor::{Command, LocalClient, QUEUE_DEPTH};
pub use chat::{ChatMessage, Completion, Role};
pub use error::LlmError;
#[cfg(feature = "local")]
pub use llama_cpp_2::json_schema_to_grammar;
#[cfg(feature = "local")]
pub use model::{GenOptions, Generation, LocalModel, ModelOptions};
#[cfg(feature = "remote")]
pub use remote::{AnthropicClient, OpenAiClient, RemoteConfig, RemoteError};
