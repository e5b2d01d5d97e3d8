//! The OpenAI-compatible executor: an adapter from [`Job`] to [`aos_llm::OpenAiClient`]
//! (OpenAI, xAI, Gemini's OpenAI endpoint, llama.cpp server, ollama, vLLM).

use aos_llm::OpenAiClient;
use async_trait::async_trait;
use zeroize::Zeroizing;

use super::{ExecError, Executor, Job, Output};
use crate::config::CloudConfig;

/// The executor.
#[derive(Debug)]
pub struct OpenAiExecutor {
    client: OpenAiClient,
    task_types: Vec<String>,
}

impl OpenAiExecutor {
    /// An executor with a decrypted API key.
    ///
    /// # Errors
    /// [`ExecError::Remote`] when the HTTP client cannot be built.
    pub fn new(cfg: CloudConfig, key: Zeroizing<String>) -> Result<Self, ExecError> {
        Ok(Self {
            client: OpenAiClient::new(cfg.remote(), key)?,
            task_types: cfg.task_types,
        })
    }
}

#[async_trait]
impl Executor for OpenAiExecutor {
    fn kind(&self) -> &'static str {
        "openai"
    }
    fn task_types(&self) -> &[String] {
        &self.task_types
    }
    fn judge(&self) -> Option<Box<dyn aos_verify::Judge>> {
        Some(Box::new(aos_verify::LlmJudge::openai(self.client.clone())))
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        Ok(self.client.complete(job.system(), &job.prompt()).await?)
    }
}
