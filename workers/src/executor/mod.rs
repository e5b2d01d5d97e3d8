//! Executors: what actually does a task. One trait, several kinds (DESIGN.md "worker").
//! The model ones are thin adapters over aos-llm (the model actor and the cloud clients
//! live there, shared with the coordinator).
//!
//! | kind | module |
//! |---|---|
//! | local llama (GGUF via llama.cpp) | [`llama`] (cargo feature `llama` → `aos-llm/local`) |
//! | OpenAI-compatible Chat Completions | [`openai`] ([`aos_llm::OpenAiClient`]) |
//! | Anthropic Messages | [`anthropic`] ([`aos_llm::AnthropicClient`]) |
//! | a person | [`human`] |
//! | echo (development) | [`EchoExecutor`] |
//! | lazy defector (demo, simulations) | [`lazy`] |

pub mod anthropic;
pub mod grounding;
pub mod human;
pub mod lazy;
#[cfg(feature = "llama")]
pub mod llama;
pub mod openai;

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::B256;
use aos_protocol::messages::TaskSpec;
use async_trait::async_trait;

use crate::config::{EchoConfig, ExecutorConfig};
use crate::secrets::SecretStore;
use crate::store::Store;

/// One task to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// On-chain task id.
    pub task_id: B256,
    /// The spec (white paper §6.2).
    pub spec: TaskSpec,
    /// 0 for the first run; n for the n-th retry after a failed self-check (model
    /// executors sample then, so the answer can change).
    pub attempt: u32,
}

impl Job {
    /// The instruction for a model or person: `input.prompt` when it is a string,
    /// else `input` as JSON, prefixed by the task type.
    pub fn prompt(&self) -> String {
        let input = match self.spec.input.get("prompt").and_then(|p| p.as_str()) {
            Some(p) => p.to_owned(),
            None => self.spec.input.to_string(),
        };
        format!("Task type: {}\n\n{input}", self.spec.task_type)
    }

    /// The system message for LLM executors.
    pub fn system(&self) -> &'static str {
        "You are a worker agent in the AOS task market. Do the task exactly and answer concisely."
    }
}

/// What an executor produced (text, model, token counts).
pub type Output = aos_llm::Completion;

/// An executor failure.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The result is not there yet (a person has not submitted); try again later.
    #[error("waiting for a person to submit the result")]
    Pending,
    /// A cloud API call failed.
    #[error(transparent)]
    Remote(#[from] aos_llm::RemoteError),
    /// The local model failed (the message repeats the source's: the engine logs one line).
    #[error("local model: {0}")]
    Model(#[from] aos_llm::LlmError),
    /// A cloud executor is configured but no secrets passphrase was given.
    #[error("a cloud executor needs the secrets passphrase (AOS_SECRETS_PASSPHRASE)")]
    NoPassphrase,
    /// A `local_llama` executor is configured but this binary was built without it.
    #[error("this aos-worker was built without the `llama` feature")]
    NoLlama,
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// Worker database.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl ExecError {
    /// Whether trying again later may succeed (pending, and what
    /// [`aos_llm::RemoteError::is_retryable`] says: timeouts, 429, 5xx, transport).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Pending => true,
            Self::Remote(e) => e.is_retryable(),
            Self::Model(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// Something that does tasks.
#[async_trait]
pub trait Executor: Send + Sync + std::fmt::Debug {
    /// Kind (`local_llama`, `openai`, `anthropic`, `human`, `echo`).
    fn kind(&self) -> &'static str;
    /// Task types taken (empty = any).
    fn task_types(&self) -> &[String];
    /// Runs the job.
    ///
    /// # Errors
    /// [`ExecError`]; [`ExecError::Pending`] means "ask again later".
    async fn run(&self, job: &Job) -> Result<Output, ExecError>;

    /// A rubric judge on this executor's model (aos-verify's `LlmJudge`), for
    /// `verify.judge`; `None` when the executor has no model to judge with.
    fn judge(&self) -> Option<Box<dyn aos_verify::Judge>> {
        None
    }

    /// Whether this executor takes tasks of `task_type`.
    fn accepts(&self, task_type: &str) -> bool {
        self.task_types().is_empty() || self.task_types().iter().any(|t| t == task_type)
    }
}

/// Echoes the prompt (development and tests). Optional artificial delay.
#[derive(Debug, Clone)]
pub struct EchoExecutor {
    cfg: EchoConfig,
}

impl EchoExecutor {
    /// New echo executor.
    pub fn new(cfg: EchoConfig) -> Self {
        Self { cfg }
    }
}

#[async_trait]
impl Executor for EchoExecutor {
    fn kind(&self) -> &'static str {
        "echo"
    }
    fn task_types(&self) -> &[String] {
        &self.cfg.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        tokio::time::sleep(Duration::from_millis(self.cfg.delay_ms)).await;
        Ok(Output {
            text: format!("echo: {}", job.prompt()),
            model: None,
            input_tokens: None,
            output_tokens: None,
        })
    }
}

/// Builds the configured executors.
///
/// # Errors
/// [`ExecError`] when a model cannot load or a secret cannot be decrypted; with the
/// `llama` feature off, a `local_llama` executor fails loudly.
pub fn build(
    configs: &[ExecutorConfig],
    store: &Store,
    secrets: &SecretStore,
    passphrase: Option<&str>,
) -> Result<Vec<Arc<dyn Executor>>, ExecError> {
    let mut out: Vec<Arc<dyn Executor>> = Vec::new();
    let pass = || passphrase.ok_or(ExecError::NoPassphrase);
    for c in configs {
        match c {
            ExecutorConfig::Echo(e) => out.push(Arc::new(EchoExecutor::new(e.clone()))),
            ExecutorConfig::Lazy(l) => {
                out.push(Arc::new(lazy::LazyExecutor::new(l.task_types.clone())))
            }
            ExecutorConfig::Human(h) => out.push(Arc::new(human::HumanExecutor::new(
                store.clone(),
                h.task_types.clone(),
            ))),
            ExecutorConfig::Openai(cc) => {
                let key = secrets.get(&cc.api_key_secret, pass()?)?;
                out.push(Arc::new(openai::OpenAiExecutor::new(cc.clone(), key)?));
            }
            ExecutorConfig::Anthropic(cc) => {
                let key = secrets.get(&cc.api_key_secret, pass()?)?;
                out.push(Arc::new(anthropic::AnthropicExecutor::new(
                    cc.clone(),
                    key,
                )?));
            }
            #[cfg(feature = "llama")]
            ExecutorConfig::LocalLlama(l) => {
                out.push(Arc::new(llama::LlamaExecutor::spawn(l.clone())?))
            }
            #[cfg(not(feature = "llama"))]
            ExecutorConfig::LocalLlama(_) => {
                return Err(ExecError::NoLlama);
            }
        }
    }
    Ok(out)
}
