//! The error of the local model and its actor.

/// Errors of the local model and of its actor ([`crate::LocalClient`]).
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The llama.cpp backend could not start.
    #[error("llama.cpp backend: {0}")]
    Backend(String),
    /// The GGUF file is missing or unreadable.
    #[error("cannot load model {path}: {reason}")]
    Load {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The chat template could not be applied.
    #[error("chat template: {0}")]
    Template(String),
    /// The prompt and output do not fit the context window.
    #[error(
        "prompt of {prompt_tokens} tokens + {max_tokens} output tokens exceeds the context of {n_ctx}"
    )]
    ContextOverflow {
        /// Prompt length in tokens.
        prompt_tokens: usize,
        /// Requested output tokens.
        max_tokens: u32,
        /// The model's context window.
        n_ctx: u32,
    },
    /// The grammar does not parse.
    #[error("grammar rejected by llama.cpp: {0}")]
    Grammar(String),
    /// Decoding failed.
    #[error("llama.cpp decode failed: {0}")]
    Decode(String),
    /// The model thread could not be started.
    #[error("cannot start the model thread")]
    Spawn(#[source] std::io::Error),
    /// The model thread has stopped (it panicked or the model failed to load); no request
    /// can be answered any more.
    #[error("the model thread stopped")]
    Stopped,
}

impl LlmError {
    /// Whether the same request may succeed later. Always `false`: a local model fails the
    /// same way on the same input (greedy decoding), and a stopped thread stays stopped.
    pub fn is_retryable(&self) -> bool {
        false
    }
}
