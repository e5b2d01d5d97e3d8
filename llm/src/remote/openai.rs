//! OpenAI-compatible Chat Completions (`POST /v1/chat/completions`, `Authorization:
//! Bearer <key>`): OpenAI, xAI, Gemini's OpenAI endpoint, llama.cpp server, ollama, vLLM.

use serde_json::json;
use zeroize::Zeroizing;

use super::{CloudClient, RemoteConfig, RemoteError};
use crate::Completion;

const SERVICE: &str = "openai-compatible API";

/// A Chat Completions client.
#[derive(Debug, Clone)]
pub struct OpenAiClient {
    client: CloudClient,
}

impl OpenAiClient {
    /// A client with a decrypted API key.
    ///
    /// # Errors
    /// [`RemoteError::Client`] when the HTTP client cannot be built.
    pub fn new(cfg: RemoteConfig, key: Zeroizing<String>) -> Result<Self, RemoteError> {
        Ok(Self {
            client: CloudClient::new(cfg, key)?,
        })
    }

    /// The settings.
    pub fn config(&self) -> &RemoteConfig {
        self.client.config()
    }

    /// The request body for a system message and a user prompt.
    pub fn body(&self, system: &str, user: &str) -> serde_json::Value {
        json!({
            "model": self.client.config().model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "max_tokens": self.client.config().max_tokens,
        })
    }

    /// One request: `system` + `user` → the model's answer (the worker's executor, and the
    /// coordinator delegating a plan step, white paper §4.3).
    ///
    /// # Errors
    /// [`RemoteError::Api`] for an error status, [`RemoteError::Timeout`],
    /// [`RemoteError::Transport`], [`RemoteError::Malformed`].
    pub async fn complete(&self, system: &str, user: &str) -> Result<Completion, RemoteError> {
        let v = self
            .client
            .post(
                SERVICE,
                "/v1/chat/completions",
                &[("authorization", format!("Bearer {}", self.client.key()))],
                &self.body(system, user),
            )
            .await?;
        let text = v["choices"][0]["message"]["content"]
            .as_str()
            .ok_or(RemoteError::Malformed {
                service: SERVICE,
                missing: "choices[0].message.content",
            })?
            .to_owned();
        Ok(Completion {
            text,
            model: v["model"]
                .as_str()
                .map(str::to_owned)
                .or(Some(self.client.config().model.clone())),
            input_tokens: v["usage"]["prompt_tokens"].as_u64(),
            output_tokens: v["usage"]["completion_tokens"].as_u64(),
        })
    }
}
