//! Loading and running a GGUF model.

use crate::{ChatMessage, LlmError, Role};
use std::{num::NonZeroU32, path::Path, sync::OnceLock, time::Instant};

use llama_cpp_2::{
    context::params::LlamaContextParams,
    llama_backend::LlamaBackend,
    llama_batch::LlamaBatch,
    model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel, params::LlamaModelParams},
    sampling::LlamaSampler,
    token::data::LlamaTokenData,
    token::data_array::LlamaTokenDataArray,
};

/// Model-wide options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelOptions {
    /// CPU threads for generation and prompt processing (≥ 1).
    pub threads: u16,
    /// Context window in tokens (0 = the model's training context, capped at 8192).
    pub n_ctx: u32,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self {
            threads: 2,
            n_ctx: 4096,
        }
    }
}

/// Per-call generation options.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampling temperature; 0 = greedy (deterministic).
    pub temperature: f32,
    /// Seed for sampling when `temperature > 0`.
    pub seed: u32,
    /// GBNF grammar with a `root` rule, or `None` for free text.
    pub grammar: Option<String>,
    /// Repetition penalty over the last 64 tokens (1.0 = off). Small models loop without it.
    pub repeat_penalty: f32,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            temperature: 0.0,
            seed: 1234,
            grammar: None,
            repeat_penalty: 1.0,
        }
    }
}

/// A finished generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The generated text (without the prompt).
    pub text: String,
    /// Prompt length in tokens.
    pub prompt_tokens: usize,
    /// Generated tokens.
    pub generated_tokens: usize,
    /// Prompt processing time, ms.
    pub prompt_ms: f64,
    /// Generation time, ms.
    pub gen_ms: f64,
    /// Whether generation stopped at `max_tokens` rather than end-of-generation.
    pub truncated: bool,
    /// How many sampled tokens the grammar rejected (each cost a full-vocabulary pass).
    pub grammar_rejections: usize,
}

impl Generation {
    /// Generation speed in tokens per second.
    pub fn tokens_per_second(&self) -> f64 {
        if self.gen_ms <= 0.0 {
            0.0
        } else {
            self.generated_tokens as f64 * 1000.0 / self.gen_ms
        }
    }
}

fn backend() -> Result<&'static LlamaBackend, LlmError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlmError::Backend(e.clone()))
}

/// A loaded GGUF model. `Send + Sync`: generations create their own context, so several
/// threads may generate at once (each with its own KV cache).
pub struct LocalModel {
    model: LlamaModel,
    options: ModelOptions,
    path: String,
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish()
    }
}

impl LocalModel {
    /// Load a GGUF model.
    ///
    /// # Errors
    /// [`LlmError::Load`] when the file is missing or not a model llama.cpp can read.
    pub fn load(path: impl AsRef<Path>, options: ModelOptions) -> Result<Self, LlmError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(LlmError::Load {
                path: shown,
                reason: "no such file".into(),
            });
        }
        let model = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
            .map_err(|e| LlmError::Load {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            model,
            options: ModelOptions {
                threads: options.threads.max(1),
                ..options
            },
            path: shown,
        })
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The options it runs with.
    pub fn options(&self) -> ModelOptions {
        self.options
    }

    fn n_ctx(&self) -> u32 {
        let train = self.model.n_ctx_train();
        let want = if self.options.n_ctx == 0 {
            8192
        } else {
            self.options.n_ctx
        };
        want.min(train).max(64)
    }

    /// Render `messages` with the model's chat template (ChatML when the model has none),
    /// ending with the assistant's turn opened.
    ///
    /// # Errors
    /// [`LlmError::Template`].
    pub fn render_chat(&self, messages: &[ChatMessage]) -> Result<String, LlmError> {
        let tmpl = match self.model.chat_template(None) {
            Ok(t) => t,
            Err(_) => {
                LlamaChatTemplate::new("chatml").map_err(|e| LlmError::Template(e.to_string()))?
            }
        };
        let chat = messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                LlamaChatMessage::new(role.into(), m.content.clone())
                    .map_err(|e| LlmError::Template(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.model
            .apply_chat_template(&tmpl, &chat, true)
            .map_err(|e| LlmError::Template(e.to_string()))
    }

    /// Chat: template, then [`LocalModel::complete`].
    ///
    /// # Errors
    /// See [`LocalModel::complete`].
    pub fn chat(
        &self,
        messages: &[ChatMessage],
        opts: &GenOptions,
    ) -> Result<Generation, LlmError> {
        let prompt = self.render_chat(messages)?;
        self.complete(&prompt, opts)
    }

    /// Generate a continuation of an already-templated `prompt`.
    ///
    /// # Errors
    /// [`LlmError::ContextOverflow`], [`LlmError::Grammar`], [`LlmError::Decode`].
    pub fn complete(&self, prompt: &str, opts: &GenOptions) -> Result<Generation, LlmError> {
        let vocab = self.model.vocab();
        // templated text already holds the special tokens: add none, parse them (TOOLCHAIN.md)
        let tokens = vocab.tokenize(prompt.as_bytes(), false, true);
        let n_ctx = self.n_ctx();
        if tokens.is_empty() || tokens.len() + opts.max_tokens as usize + 1 > n_ctx as usize {
            return Err(LlmError::ContextOverflow {
                prompt_tokens: tokens.len(),
                max_tokens: opts.max_tokens,
                n_ctx,
            });
        }
        let threads = i32::from(self.options.threads);
        let n_batch = 512u32;
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_batch(n_batch)
            .with_n_threads(threads)
            .with_n_threads_batch(threads);
        let mut ctx = self
            .model
            .new_context(backend()?, params)
            .map_err(|e| LlmError::Decode(e.to_string()))?;

        let mut grammar = match &opts.grammar {
            Some(g) => Some(
                LlamaSampler::grammar(&self.model, g, "root")
                    .map_err(|e| LlmError::Grammar(e.to_string()))?,
            ),
            None => None,
        };
        let mut chain = Vec::new();
        if opts.repeat_penalty > 1.0 {
            chain.push(LlamaSampler::penalties(
                self.model.n_vocab(),
                64,
                opts.repeat_penalty,
                0.0,
                0.0,
            ));
        }
        if opts.temperature <= 0.0 {
            chain.push(LlamaSampler::greedy());
        } else {
            chain.extend([
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(0.95, 1),
                LlamaSampler::temp(opts.temperature),
                LlamaSampler::dist(opts.seed),
            ]);
        }
        let mut base = LlamaSampler::chain_simple(chain);

        let started = Instant::now();
        let mut batch = LlamaBatch::new(n_batch as usize, 1);
        let last = tokens.len() - 1;
        for (chunk_i, chunk) in tokens.chunks(n_batch as usize).enumerate() {
            batch.clear();
            for (j, &t) in chunk.iter().enumerate() {
                let pos = chunk_i * n_batch as usize + j;
                batch
                    .add(t, pos as i32, &[0], pos == last)
                    .map_err(|e| LlmError::Decode(e.to_string()))?;
            }
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::Decode(e.to_string()))?;
        }
        let prompt_ms = started.elapsed().as_secs_f64() * 1000.0;

        let gen_start = Instant::now();
        let mut out = Vec::new();
        let mut generated = 0usize;
        let mut rejections = 0usize;
        let mut truncated = true;
        for pos in tokens.len()..tokens.len() + opts.max_tokens as usize {
            let idx = batch.n_tokens() - 1;
            let mut arr = ctx.token_data_array_ith(idx);
            arr.apply_sampler(&mut base);
            let mut tok = arr
                .selected_token()
                .ok_or_else(|| LlmError::Decode("sampler selected nothing".into()))?;
            if let Some(g) = grammar.as_mut() {
                // fast path: check only the sampled token against the grammar
                let mut single =
                    LlamaTokenDataArray::new(vec![LlamaTokenData::new(tok, 1.0, 0.0)], false);
                single.apply_sampler(g);
                if !single.data[0].logit().is_finite() {
                    rejections += 1;
                    let mut full = ctx.token_data_array_ith(idx);
                    full.apply_sampler(g);
                    full.apply_sampler(&mut base);
                    tok = full
                        .selected_token()
                        .ok_or_else(|| LlmError::Decode("grammar allows no token".into()))?;
                }
                g.accept(tok);
            }
            base.accept(tok);
            if vocab.is_eog(tok) {
                truncated = false;
                break;
            }
            out.extend(vocab.token_to_piece(tok, false, None));
            generated += 1;
            batch.clear();
            batch
                .add(tok, pos as i32, &[0], true)
                .map_err(|e| LlmError::Decode(e.to_string()))?;
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::Decode(e.to_string()))?;
        }
        Ok(Generation {
            text: String::from_utf8_lossy(&out).into_owned(),
            prompt_tokens: tokens.len(),
            generated_tokens: generated,
            prompt_ms,
            gen_ms: gen_start.elapsed().as_secs_f64() * 1000.0,
            truncated,
            grammar_rejections: rejections,
        })
    }
}
