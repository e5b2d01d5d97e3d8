//! The Anthropic Messages API (`POST /v1/messages`, headers `x-api-key` and
//! `anthropic-version: 2023-06-01`).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use zeroize::Zeroizing;

use super::{ExecError, Executor, Job, Output, http_client, join_url, map_reqwest};
use crate::config::CloudConfig;

const SERVICE: &str = "Anthropic API";
/// The API version header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The executor.
pub struct AnthropicExecutor {
    cfg: CloudConfig,
    key: Zeroizing<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for AnthropicExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicExecutor")
            .field("base_url", &self.cfg.base_url)
            .field("model", &self.cfg.model)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl AnthropicExecutor {
    /// An executor with a decrypted API key.
    ///
    /// # Errors
    /// [`ExecError::Transport`] when the HTTP client cannot be built.
    pub fn new(cfg: CloudConfig, key: Zeroizing<String>) -> Result<Self, ExecError> {
        let http = http_client(Duration::from_secs(cfg.timeout_s))?;
        Ok(Self { cfg, key, http })
    }

    /// The request body for a system message and a user prompt.
    pub fn body(&self, system: &str, user: &str) -> serde_json::Value {
        json!({
            "model": self.cfg.model,
            "max_tokens": self.cfg.max_tokens,
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
        let timeout = Duration::from_secs(self.cfg.timeout_s);
        let resp = self
            .http
            .post(join_url(&self.cfg.base_url, "/v1/messages"))
            .header("x-api-key", self.key.as_str())
            .header("anthropic-version", ANTHROPIC_VERSION)
            .json(&self.body(system, user))
            .send()
            .await
            .map_err(|e| map_reqwest(SERVICE, timeout, e))?;
        let status = resp.status();
        let v: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| map_reqwest(SERVICE, timeout, e))?;
        if !status.is_success() {
            // {"type": "error", "error": {"type": "...", "message": "..."}}
            let message = v["error"]["message"]
                .as_str()
                .unwrap_or("no error message")
                .to_owned();
            return Err(ExecError::Api {
                service: SERVICE,
                status: status.as_u16(),
                message,
            });
        }
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
                .or(Some(self.cfg.model.clone())),
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
        &self.cfg.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        self.complete(job.system(), &job.prompt()).await
    }
}
