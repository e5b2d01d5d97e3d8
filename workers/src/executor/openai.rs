//! OpenAI-compatible Chat Completions (`POST /v1/chat/completions`, `Authorization:
//! Bearer <key>`): OpenAI, xAI, Gemini's OpenAI endpoint, llama.cpp server, ollama, vLLM.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use zeroize::Zeroizing;

use super::{ExecError, Executor, Job, Output, http_client, join_url, map_reqwest};
use crate::config::CloudConfig;

const SERVICE: &str = "openai-compatible API";

/// The executor.
pub struct OpenAiExecutor {
    cfg: CloudConfig,
    key: Zeroizing<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for OpenAiExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiExecutor")
            .field("base_url", &self.cfg.base_url)
            .field("model", &self.cfg.model)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl OpenAiExecutor {
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
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "max_tokens": self.cfg.max_tokens,
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
            .post(join_url(&self.cfg.base_url, "/v1/chat/completions"))
            .bearer_auth(self.key.as_str())
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
            // {"error": {"message": "...", "type": "...", "code": ...}}
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
        let text = v["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| ExecError::Transport {
                service: SERVICE,
                message: "response has no choices[0].message.content".into(),
            })?
            .to_owned();
        Ok(Output {
            text,
            model: v["model"]
                .as_str()
                .map(str::to_owned)
                .or(Some(self.cfg.model.clone())),
            input_tokens: v["usage"]["prompt_tokens"].as_u64(),
            output_tokens: v["usage"]["completion_tokens"].as_u64(),
        })
    }
}

#[async_trait]
impl Executor for OpenAiExecutor {
    fn kind(&self) -> &'static str {
        "openai"
    }
    fn task_types(&self) -> &[String] {
        &self.cfg.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        self.complete(job.system(), &job.prompt()).await
    }
}
