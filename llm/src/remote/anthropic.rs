//! The Anthropic Messages API (`POST /v1/messages`, headers `x-api-key` and
//! `anthropic-version: 2023-06-01`).

use serde_json::json;
use zeroize::Zeroizing;

use super::{CloudClient, RemoteConfig, RemoteError};
use crate::Completion;

const SERVICE: &str = "Anthropic API";
/// The API version header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// A Messages API client.
#[derive(Debug, Clone)]
pub struct AnthropicClient {
    client: CloudClient,
}

impl AnthropicClient {
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
            "max_tokens": self.client.config().max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": user}],
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
                "/v1/messages",
                &[
                    ("x-api-key", self.client.key().to_owned()),
                    ("anthropic-version", ANTHROPIC_VERSION.to_owned()),
                ],
                &self.body(system, user),
            )
            .await?;
        let text: String = v["content"]
            .as_array()
            .ok_or(RemoteError::Malformed {
                service: SERVICE,
                missing: "content array",
            })?
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect();
        Ok(Completion {
            text,
            model: v["model"]
                .as_str()
                .map(str::to_owned)
                .or(Some(self.client.config().model.clone())),
            input_tokens: v["usage"]["input_tokens"].as_u64(),
            output_tokens: v["usage"]["output_tokens"].as_u64(),
        })
    }
}
