//! # aos-llm — the local model
//!
//! One GGUF model run by llama.cpp (`llama-cpp-2`), shared by the worker's local executor
//! and the coordinator's planner (white paper §3.3: "a local model plans privately").
//!
//! * [`LocalModel::load`] loads a GGUF file (the llama.cpp backend is initialised once per
//!   process). Threads are always explicit: llama.cpp's default of 4 halves speed on 2 cores.
//! * [`LocalModel::chat`] applies the model's built-in chat template (ChatML for SmolLM2 and
//!   Qwen), tokenises with special tokens parsed, and generates.
//! * A GBNF grammar (e.g. from [`json_schema_to_grammar`]) constrains output. The grammar is
//!   checked against the sampled token only, and the whole vocabulary is masked only when
//!   that token is rejected — llama.cpp's own `common_sampler_sample` fast path — so a
//!   grammar costs little speed. A grammar does not guarantee complete JSON under a token
//!   limit: callers bound their schemas and validate anyway.

mod model;

pub use llama_cpp_2::json_schema_to_grammar;
pub use model::{ChatMessage, GenOptions, Generation, LlmError, LocalModel, ModelOptions, Role};
