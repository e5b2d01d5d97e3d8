//! Chat messages and a finished completion, shared by the local model and the cloud clients.

/// Chat roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// System prompt.
    System,
    /// User turn.
    User,
    /// Assistant turn.
    Assistant,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl ChatMessage {
    /// A message.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// A finished completion as the cloud APIs and the worker report it: the text, the model
/// that wrote it, and token counts when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The answer.
    pub text: String,
    /// Model or service name.
    pub model: Option<String>,
    /// Tokens read, if known.
    pub input_tokens: Option<u64>,
    /// Tokens generated, if known.
    pub output_tokens: Option<u64>,
}
