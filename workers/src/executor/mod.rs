//! Executors: what actually does a task. One trait, several kinds (DESIGN.md "worker").
//!
//! | kind | module |
//! |---|---|
//! | local llama (GGUF via llama.cpp) | [`llama`] (cargo feature `llama`) |
//! | OpenAI-compatible Chat Completions | [`openai`] |
//! | Anthropic Messages | [`anthropic`] |
//! | a person | [`human`] |
//! | echo (development) | [`EchoExecutor`] |

pub mod anthropic;
pub mod human;
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

/// What an executor produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The answer.
    pub text: String,
    /// Model or service name.
    pub model: Option<String>,
    /// Tokens read, if known.
    pub input_tokens: Option<u64>,
    /// Tokens generated, if known.
    pub output_tokens: Option<u64>,
}

/// An executor failure.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The result is not there yet (a person has not submitted); try again later.
    #[error("waiting for a person to submit the result")]
    Pending,
    /// The remote API answered with an error status.
    #[error("{service} returned HTTP {status}: {message}")]
    Api {
        /// Service name.
        service: &'static str,
        /// HTTP status.
        status: u16,
        /// The API's error message.
        message: String,
    },
    /// The request timed out.
    #[error("{service} timed out after {after:?}")]
    Timeout {
        /// Service name.
        service: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// Transport or decoding failure.
    #[error("{service}: {message}")]
    Transport {
        /// Service name.
        service: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The local model failed.
    #[error("local model: {0}")]
    Model(String),
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// Worker database.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl ExecError {
    /// Whether trying again later may succeed (timeouts, 429, 5xx, transport, pending).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Pending | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Api { status, .. } => *status == 429 || *status >= 500,
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
    let pass = || {
        passphrase.ok_or_else(|| ExecError::Transport {
            service: "secrets",
            message: "a cloud executor needs the secrets passphrase (AOS_SECRETS_PASSPHRASE)"
                .into(),
        })
    };
    for c in configs {
        match c {
            ExecutorConfig::Echo(e) => out.push(Arc::new(EchoExecutor::new(e.clone()))),
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
                return Err(ExecError::Model(
                    "this aos-worker was built without the `llama` feature".into(),
                ));
            }
        }
    }
    Ok(out)
}

/// Joins a base URL and an API path, not doubling a `/v1` the base already ends with
/// (`https://api.openai.com` + `/v1/chat/completions`; `http://x/v1` + the same →
/// `http://x/v1/chat/completions`; Gemini's `…/v1beta/openai` + `/chat/completions`).
pub fn join_url(base: &str, path_with_v1: &str) -> String {
    let base = base.trim_end_matches('/');
    let rest = path_with_v1.trim_start_matches("/v1");
    if base.ends_with("/v1") || base.ends_with("/openai") {
        format!("{base}{rest}")
    } else {
        format!("{base}{path_with_v1}")
    }
}

/// What the cloud executors share: their settings, the API key (zeroised on drop, never
/// printed) and an HTTP client with the configured timeout.
pub(crate) struct CloudClient {
    pub(crate) cfg: crate::config::CloudConfig,
    key: zeroize::Zeroizing<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for CloudClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudClient")
            .field("base_url", &self.cfg.base_url)
            .field("model", &self.cfg.model)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CloudClient {
    pub(crate) fn new(
        cfg: crate::config::CloudConfig,
        key: zeroize::Zeroizing<String>,
    ) -> Result<Self, ExecError> {
        let http = http_client(Duration::from_secs(cfg.timeout_s))?;
        Ok(Self { cfg, key, http })
    }

    pub(crate) fn key(&self) -> &str {
        self.key.as_str()
    }

    /// POST `body` to `path` (joined to the base URL) with `headers`; the JSON of a 2xx
    /// answer, else [`ExecError::Api`] with the API's `error.message` (where both the OpenAI
    /// and the Anthropic formats put it).
    pub(crate) async fn post(
        &self,
        service: &'static str,
        path: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ExecError> {
        let timeout = Duration::from_secs(self.cfg.timeout_s);
        let mut req = self
            .http
            .post(join_url(&self.cfg.base_url, path))
            .json(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| map_reqwest(service, timeout, e))?;
        let status = resp.status();
        let v: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| map_reqwest(service, timeout, e))?;
        if !status.is_success() {
            let message = v["error"]["message"]
                .as_str()
                .unwrap_or("no error message")
                .to_owned();
            return Err(ExecError::Api {
                service,
                status: status.as_u16(),
                message,
            });
        }
        Ok(v)
    }
}

pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, ExecError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| ExecError::Transport {
            service: "http",
            message: e.to_string(),
        })
}

pub(crate) fn map_reqwest(service: &'static str, after: Duration, e: reqwest::Error) -> ExecError {
    if e.is_timeout() {
        ExecError::Timeout { service, after }
    } else {
        ExecError::Transport {
            service,
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            join_url("https://api.openai.com", "/v1/chat/completions"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            join_url("http://127.0.0.1:8080/v1/", "/v1/chat/completions"),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
        assert_eq!(
            join_url(
                "https://generativelanguage.googleapis.com/v1beta/openai",
                "/v1/chat/completions"
            ),
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
        );
    }
}
