//! The local llama executor: an adapter from [`Job`] to aos-llm's model actor
//! ([`aos_llm::LocalClient`]: one thread owns the GGUF model, requests queue on a bounded
//! channel). Decoding is greedy so results are reproducible (a restart re-runs a task to
//! the same answer), with a mild repetition penalty (small models loop without it).

use aos_llm::{ChatMessage, GenOptions, LocalClient, ModelOptions, Role};
use async_trait::async_trait;

use super::{ExecError, Executor, Job, Output};
use crate::config::LlamaConfig;

/// The executor (a handle to the model thread).
#[derive(Debug)]
pub struct LlamaExecutor {
    cfg: LlamaConfig,
    model: LocalClient,
}

impl LlamaExecutor {
    /// Loads the model in its thread; returns once it is loaded.
    ///
    /// # Errors
    /// [`ExecError::Model`] when the file is missing or not a GGUF llama.cpp can read
    /// (`script/fetch-model.sh` fetches SmolLM2).
    pub fn spawn(cfg: LlamaConfig) -> Result<Self, ExecError> {
        let options = ModelOptions {
            threads: cfg.threads.max(1),
            n_ctx: cfg.n_ctx.max(64),
        };
        let model = LocalClient::spawn(&cfg.model, options)?;
        Ok(Self { cfg, model })
    }

    /// Chat with the model directly (system + user message).
    ///
    /// # Errors
    /// [`ExecError::Model`].
    pub async fn chat(&self, system: &str, user: &str) -> Result<Output, ExecError> {
        let g = self
            .model
            .chat(
                vec![
                    ChatMessage::new(Role::System, system),
                    ChatMessage::new(Role::User, user),
                ],
                GenOptions {
                    max_tokens: self.cfg.max_tokens,
                    repeat_penalty: 1.15,
                    ..GenOptions::default()
                },
            )
            .await?;
        Ok(Output {
            text: g.text.trim().to_owned(),
            model: self
                .cfg
                .model
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned()),
            input_tokens: Some(g.prompt_tokens as u64),
            output_tokens: Some(g.generated_tokens as u64),
        })
    }
}

#[async_trait]
impl Executor for LlamaExecutor {
    fn kind(&self) -> &'static str {
        "local_llama"
    }
    fn task_types(&self) -> &[String] {
        &self.cfg.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        self.chat(job.system(), &job.prompt()).await
    }
}
