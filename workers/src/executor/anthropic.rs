//! The Anthropic Messages API (`POST /v1/messages`, headers `x-api-key` and
//! `anthropic-version: 2023-06-01`).

use async_trait::async_trait;
use serde_json::json;
use zeroize::Zeroizing;

use super::{CloudClient, ExecError, Executor, Job, Output};
use crate::config::CloudConfig;

const SERVICE: &str = "Anthropic API";
/// The API version header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The executor.
#[derive(Debug)]
pub struct AnthropicExecutor {
    client: CloudClient,
}

impl AnthropicExecutor {
    /// An executor with a decrypted API key.
    ///
    /// # Errors
    /// [`ExecError::Transport`] when the HTTP client cannot be built.
    pub fn new(cfg: CloudConfig, key: Zeroizing<String>) -> Result<Self, ExecError> {
        Ok(Self {
            client: CloudClient::new(cfg, key)?,
        })
    }

    /// The request body for a system message and a user prompt.
    pub fn body(&self, system: &str, user: &str) -> serde_json::Value {
        json!({
            "model": self.client.cfg.model,
            "max_tokens": self.client.cfg.max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": user}],
        })
    }

    /// One request: `system` + `user` → the model's answer (also used by the coordinator
    /// to delegate a plan step, white paper §4.3).
    ///
    /// # Errors
    /// [`ExecError::Api`] for an error status, [`ExecError::Timeout`], [`ExecError::Transport`].
    pub async fn complete(&self, system: &str, user: &str) -> Result<Output, ExecError> {
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
            .ok_or_else(|| ExecError::Transport {
                service: SERVICE,
                message: "response has no content array".into(),
            })?
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect();
        Ok(Output {
            text,
            model: v["model"]
                .as_str()
                .map(str::to_owned)
                .or(Some(self.client.cfg.model.clone())),
            input_tokens: v["usage"]["input_tokens"].as_u64(),
            output_tokens: v["usage"]["output_tokens"].as_u64(),
        })
    }
}

#[async_trait]
impl Executor for AnthropicExecutor {
    fn kind(&self) -> &'static str {
        "anthropic"
    }
    fn task_types(&self) -> &[String] {
        &self.client.cfg.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        self.complete(job.system(), &job.prompt()).await
    }
}
