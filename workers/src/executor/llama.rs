//! The local llama executor: a GGUF model run by llama.cpp (through `aos-llm`, the model
//! crate the coordinator's planner shares) in one thread
//! that owns it (an actor: requests arrive on a bounded channel, replies go back on a
//! oneshot). The model's built-in chat template is applied (ChatML for SmolLM2 and Qwen);
//! the templated text is tokenised with `add_special = false, parse_special = true`;
//! threads are explicit (TOOLCHAIN.md: llama.cpp's default of 4 is slow on 2 cores).
//! Decoding is greedy so results are reproducible (a restart re-runs a task to the same
//! answer).

use std::sync::mpsc as std_mpsc;

use aos_llm::{ChatMessage, GenOptions, LocalModel, ModelOptions, Role};
use async_trait::async_trait;
use tokio::sync::oneshot;

use super::{ExecError, Executor, Job, Output};
use crate::config::LlamaConfig;

struct Request {
    system: String,
    user: String,
    reply: oneshot::Sender<Result<Output, ExecError>>,
}

/// The executor (a handle to the model thread).
#[derive(Debug)]
pub struct LlamaExecutor {
    cfg: LlamaConfig,
    tx: std_mpsc::SyncSender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Request")
    }
}

impl LlamaExecutor {
    /// Loads the model in a new thread; returns once it is loaded.
    ///
    /// # Errors
    /// [`ExecError::Model`] when the file is missing or not a GGUF llama.cpp can read.
    pub fn spawn(cfg: LlamaConfig) -> Result<Self, ExecError> {
        if !cfg.model.is_file() {
            return Err(ExecError::Model(format!(
                "model file {} not found (script/fetch-model.sh fetches SmolLM2)",
                cfg.model.display()
            )));
        }
        let (tx, rx) = std_mpsc::sync_channel::<Request>(16);
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let c = cfg.clone();
        std::thread::Builder::new()
            .name("aos-llama".into())
            .spawn(move || {
                let options = ModelOptions {
                    threads: c.threads.max(1),
                    n_ctx: c.n_ctx.max(64),
                };
                let model = match LocalModel::load(&c.model, options) {
                    Ok(m) => {
                        let _ = ready_tx.send(Ok(()));
                        m
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(ExecError::Model(e.to_string())));
                        return;
                    }
                };
                while let Ok(req) = rx.recv() {
                    let out = generate(&model, &c, &req.system, &req.user);
                    let _ = req.reply.send(out);
                }
            })
            .map_err(|e| ExecError::Model(format!("cannot start the model thread: {e}")))?;
        ready_rx
            .recv()
            .map_err(|_| ExecError::Model("model thread died while loading".into()))??;
        Ok(Self { cfg, tx })
    }

    /// Chat with the model directly (system + user message).
    ///
    /// # Errors
    /// [`ExecError::Model`].
    pub async fn chat(&self, system: &str, user: &str) -> Result<Output, ExecError> {
        let (reply, rx) = oneshot::channel();
        let tx = self.tx.clone();
        let req = Request {
            system: system.into(),
            user: user.into(),
            reply,
        };
        // `send` blocks only while 16 requests are queued: do it off the async threads.
        tokio::task::spawn_blocking(move || tx.send(req))
            .await
            .map_err(|e| ExecError::Model(e.to_string()))?
            .map_err(|_| ExecError::Model("model thread stopped".into()))?;
        rx.await
            .map_err(|_| ExecError::Model("model thread stopped".into()))?
    }
}

/// Greedy decoding (reproducible answers) with a mild repetition penalty.
fn generate(
    model: &LocalModel,
    cfg: &LlamaConfig,
    system: &str,
    user: &str,
) -> Result<Output, ExecError> {
    let g = model
        .chat(
            &[
                ChatMessage::new(Role::System, system),
                ChatMessage::new(Role::User, user),
            ],
            &GenOptions {
                max_tokens: cfg.max_tokens,
                repeat_penalty: 1.15,
                ..GenOptions::default()
            },
        )
        .map_err(|e| ExecError::Model(e.to_string()))?;
    Ok(Output {
        text: g.text.trim().to_owned(),
        model: cfg
            .model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned()),
        input_tokens: Some(g.prompt_tokens as u64),
        output_tokens: Some(g.generated_tokens as u64),
    })
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
