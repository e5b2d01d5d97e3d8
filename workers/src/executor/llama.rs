//! The local llama executor: a GGUF model run by llama.cpp (`llama-cpp-2`) in one thread
//! that owns it (an actor: requests arrive on a bounded channel, replies go back on a
//! oneshot). The model's built-in chat template is applied (ChatML for SmolLM2 and Qwen);
//! the templated text is tokenised with `add_special = false, parse_special = true`;
//! threads are explicit (TOOLCHAIN.md: llama.cpp's default of 4 is slow on 2 cores).
//! Decoding is greedy so results are reproducible (a restart re-runs a task to the same
//! answer).

use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::sync::mpsc as std_mpsc;

use async_trait::async_trait;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use tokio::sync::oneshot;

use super::{ExecError, Executor, Job, Output};
use crate::config::LlamaConfig;

/// The llama.cpp backend: initialised once per process (a second `init` fails).
fn backend() -> Result<&'static LlamaBackend, ExecError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ExecError::Model(format!("llama.cpp backend: {e}")))
}

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
                let model = match backend().and_then(|b| {
                    LlamaModel::load_from_file(b, &c.model, &LlamaModelParams::default())
                        .map_err(|e| ExecError::Model(format!("{}: {e}", c.model.display())))
                }) {
                    Ok(m) => {
                        let _ = ready_tx.send(Ok(()));
                        m
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
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

fn generate(
    model: &LlamaModel,
    cfg: &LlamaConfig,
    system: &str,
    user: &str,
) -> Result<Output, ExecError> {
    let err = |e: &dyn std::fmt::Display| ExecError::Model(e.to_string());
    let tmpl = match model.chat_template(None) {
        Ok(t) => t,
        Err(_) => LlamaChatTemplate::new("chatml").map_err(|e| err(&e))?,
    };
    let chat = [
        LlamaChatMessage::new("system".into(), system.into()).map_err(|e| err(&e))?,
        LlamaChatMessage::new("user".into(), user.into()).map_err(|e| err(&e))?,
    ];
    let prompt = model
        .apply_chat_template(&tmpl, &chat, true)
        .map_err(|e| err(&e))?;
    let vocab = model.vocab();
    let tokens = vocab.tokenize(prompt.as_bytes(), false, true);
    let n_ctx = cfg.n_ctx.max(64);
    if tokens.is_empty() || tokens.len() + cfg.max_tokens as usize + 1 > n_ctx as usize {
        return Err(ExecError::Model(format!(
            "prompt of {} tokens + {} new tokens does not fit a context of {n_ctx}",
            tokens.len(),
            cfg.max_tokens
        )));
    }
    let threads = i32::from(cfg.threads.max(1));
    let n_batch = 512u32;
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(n_ctx))
        .with_n_batch(n_batch)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let mut ctx = model.new_context(backend()?, params).map_err(|e| err(&e))?;
    let mut sampler = LlamaSampler::greedy();
    let mut batch = LlamaBatch::new(n_batch as usize, 1);
    let last = tokens.len() - 1;
    for (ci, chunk) in tokens.chunks(n_batch as usize).enumerate() {
        batch.clear();
        for (j, &t) in chunk.iter().enumerate() {
            let pos = ci * n_batch as usize + j;
            batch
                .add(t, pos as i32, &[0], pos == last)
                .map_err(|e| err(&e))?;
        }
        ctx.decode(&mut batch).map_err(|e| err(&e))?;
    }
    let mut out = Vec::new();
    let mut generated = 0u64;
    for pos in tokens.len()..tokens.len() + cfg.max_tokens as usize {
        let tok = sampler.sample(&ctx, batch.n_tokens() - 1);
        if vocab.is_eog(tok) {
            break;
        }
        out.extend(vocab.token_to_piece(tok, false, None));
        generated += 1;
        batch.clear();
        batch
            .add(tok, pos as i32, &[0], true)
            .map_err(|e| err(&e))?;
        ctx.decode(&mut batch).map_err(|e| err(&e))?;
    }
    let name = cfg
        .model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    Ok(Output {
        text: String::from_utf8_lossy(&out).trim().to_owned(),
        model: name,
        input_tokens: Some(tokens.len() as u64),
        output_tokens: Some(generated),
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
