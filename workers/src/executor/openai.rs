//! OpenAI-compatible Chat Completions (`POST /v1/chat/completions`, `Authorization:
//! Bearer <key>`): OpenAI, xAI, Gemini's OpenAI endpoint, llama.cpp server, ollama, vLLM.

use async_trait::async_trait;
use serde_json::json;
use zeroize::Zeroizing;

use super::{CloudClient, ExecError, Executor, Job, Output};
use crate::config::CloudConfig;

const SERVICE: &str = "openai-compatible API";

/// The executor.
#[derive(Debug)]
pub struct OpenAiExecutor {
    client: CloudClient,
}

impl OpenAiExecutor {
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
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "max_tokens": self.client.cfg.max_tokens,
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
                "/v1/chat/completions",
                &[("authorization", format!("Bearer {}", self.client.key()))],
                &self.body(system, user),
            )
            .await?;
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
                .or(Some(self.client.cfg.model.clone())),
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
        &self.client.cfg.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        self.complete(job.system(), &job.prompt()).await
    }
}
