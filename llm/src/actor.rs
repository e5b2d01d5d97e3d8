//! The model actor (STYLE.md "Actors for long-lived resources"): one thread owns the
//! [`LocalModel`]; callers hold a cloneable [`LocalClient`] that sends a [`Command`] on a
//! bounded channel and awaits the reply on a `oneshot`. The worker's local executor and
//! the coordinator's planner and local service share this one path, so a model is never
//! run from an async thread and requests queue instead of piling up threads.

use std::{path::Path, sync::Arc};

use tokio::sync::{mpsc, oneshot};

use crate::{ChatMessage, GenOptions, Generation, LlmError, LocalModel, ModelOptions};

/// Requests that may wait for the model before a sender waits too (the channel bound).
pub const QUEUE_DEPTH: usize = 16;

/// What the model thread is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Apply the chat template to `messages` and generate with `opts`.
    Chat {
        /// The conversation.
        messages: Vec<ChatMessage>,
        /// Generation options (grammar, token limit, sampling).
        opts: GenOptions,
        /// Where the generation goes.
        reply: oneshot::Sender<Result<Generation, LlmError>>,
    },
}

/// A handle to the thread that owns a loaded model. Cloning is cheap; the thread ends when
/// the last clone is dropped.
#[derive(Debug, Clone)]
pub struct LocalClient {
    tx: mpsc::Sender<Command>,
    path: Arc<str>,
    options: ModelOptions,
}

impl LocalClient {
    /// Loads the GGUF model at `path` in a new thread (named `aos-llama`) and returns once it
    /// is loaded. Blocks the calling thread for the load (seconds for a small model).
    ///
    /// # Errors
    /// [`LlmError::Load`] when the file is missing or not a model llama.cpp reads,
    /// [`LlmError::Backend`], [`LlmError::Spawn`].
    pub fn spawn(path: impl AsRef<Path>, options: ModelOptions) -> Result<Self, LlmError> {
        let path = path.as_ref().to_path_buf();
        let (tx, rx) = mpsc::channel::<Command>(QUEUE_DEPTH);
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("aos-llama".into())
            .spawn(move || match LocalModel::load(&path, options) {
                Ok(model) => {
                    let _ = ready_tx.send(Ok((model.path().to_owned(), model.options())));
                    serve(&model, rx);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(LlmError::Spawn)?;
        let (path, options) = ready_rx.recv().map_err(|_| LlmError::Stopped)??;
        Ok(Self {
            tx,
            path: path.into(),
            options,
        })
    }

    /// The file the model was loaded from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The options the model runs with.
    pub fn options(&self) -> ModelOptions {
        self.options
    }

    /// Chat: the model's template over `messages`, then generation with `opts`
    /// ([`LocalModel::chat`]). Waits while [`QUEUE_DEPTH`] requests are queued.
    ///
    /// # Errors
    /// What [`LocalModel::chat`] returns, or [`LlmError::Stopped`] when the thread is gone.
    pub async fn chat(
        &self,
        messages: Vec<ChatMessage>,
        opts: GenOptions,
    ) -> Result<Generation, LlmError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Chat {
                messages,
                opts,
                reply,
            })
            .await
            .map_err(|_| LlmError::Stopped)?;
        rx.await.map_err(|_| LlmError::Stopped)?
    }
}

/// The model thread's loop: one command at a time until every client is dropped.
fn serve(model: &LocalModel, mut rx: mpsc::Receiver<Command>) {
    while let Some(cmd) = rx.blocking_recv() {
        match cmd {
            Command::Chat {
                messages,
                opts,
                reply,
            } => {
                // the caller may have given up (timeout, cancelled ask): skip the work
                if reply.is_closed() {
                    continue;
                }
                let _ = reply.send(model.chat(&messages, &opts));
            }
        }
    }
    tracing::debug!(path = model.path(), "model thread done");
}
