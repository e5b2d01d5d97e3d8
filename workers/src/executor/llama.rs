//! The local llama executor: an adapter from [`Job`] to aos-llm's model actor
//! ([`aos_llm::LocalClient`]: one thread owns the GGUF model, requests queue on a bounded
//! channel). Decoding is greedy so results are reproducible (a restart re-runs a task to
//! the same answer), with a mild repetition penalty (small models loop without it); a
//! retry after a failed self-check samples (temperature 0.7, seeded by the attempt and a
//! seed this process drew at start, so two workers retrying the same task differ). When the task's acceptance names a JSON Schema, generation is constrained
//! to it, grounded in the input for extraction tasks ([`super::grounding`]).

use aos_llm::{ChatMessage, GenOptions, LocalClient, ModelOptions, Role};
use async_trait::async_trait;

use super::{ExecError, Executor, Job, Output, grounding};
use crate::config::LlamaConfig;

/// The executor (a handle to the model thread).
#[derive(Debug)]
pub struct LlamaExecutor {
    cfg: LlamaConfig,
    model: LocalClient,
    seed: u32,
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
        let seed = rand_core::RngCore::next_u32(&mut rand_core::OsRng);
        Ok(Self { cfg, model, seed })
    }

    /// Chat with the model directly (system + user message), greedy and unconstrained.
    ///
    /// # Errors
    /// [`ExecError::Model`].
    pub async fn chat(&self, system: &str, user: &str) -> Result<Output, ExecError> {
        self.generate(system, user, None, 0).await
    }

    /// Chat with the model, constrained by `grammar` (GBNF) when given; `attempt` 0 is
    /// greedy, later attempts sample with that seed.
    async fn generate(
        &self,
        system: &str,
        user: &str,
        grammar: Option<String>,
        attempt: u32,
    ) -> Result<Output, ExecError> {
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
                    grammar,
                    temperature: if attempt == 0 { 0.0 } else { 0.7 },
                    seed: self.seed.wrapping_add(attempt),
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
    fn judge(&self) -> Option<Box<dyn aos_verify::Judge>> {
        match aos_verify::LlmJudge::local(self.model.clone()) {
            Ok(j) => Some(Box::new(j)),
            Err(e) => {
                tracing::error!(%e, "the local model cannot judge");
                None
            }
        }
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        // a schema llama.cpp cannot turn into a grammar: generate freely and let the
        // self-check judge the output (failing here would forfeit the stake)
        let grammar = grounding::grammar_for(&job.spec).unwrap_or_else(|e| {
            tracing::warn!(task = %job.task_id, %e, "generating without the schema's grammar");
            None
        });
        self.generate(job.system(), &job.prompt(), grammar, job.attempt)
            .await
    }
}
