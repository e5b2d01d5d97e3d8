//! The local llama executor with the real SmolLM2 model (script/fetch-model.sh).
#![cfg(feature = "llama")]

use std::path::PathBuf;
use std::sync::OnceLock;

use aos_worker::config::LlamaConfig;
use aos_worker::executor::llama::LlamaExecutor;

/// The model path: fetched (and sha256-checked) by script/fetch-model.sh.
fn model_path() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = root.join(".models/SmolLM2-135M-Instruct.Q4_1.gguf");
    if !p.is_file() {
        let _ = std::process::Command::new(root.join("script/fetch-model.sh")).status();
    }
    p.is_file().then_some(p)
}

/// One model per test process (llama.cpp's backend initialises once).
fn executor() -> Option<&'static LlamaExecutor> {
    static EXEC: OnceLock<Option<LlamaExecutor>> = OnceLock::new();
    EXEC.get_or_init(|| {
        let model = model_path()?;
        Some(
            LlamaExecutor::spawn(LlamaConfig {
                model,
                threads: 1,
                max_tokens: 24,
                n_ctx: 512,
                task_types: vec![],
            })
            .expect("SmolLM2 loads"),
        )
    })
    .as_ref()
}

#[tokio::test]
async fn smollm2_answers_and_is_deterministic() {
    let Some(exec) = executor() else {
        eprintln!(
            "\n\n!!! SKIPPED: .models/SmolLM2-135M-Instruct.Q4_1.gguf is absent and script/fetch-model.sh could not fetch it !!!\n"
        );
        return;
    };
    let t = std::time::Instant::now();
    let a = exec
        .chat(
            "You are a helpful assistant.",
            "What is the capital of France? Answer in one word.",
        )
        .await
        .unwrap();
    let elapsed = t.elapsed();
    eprintln!("SmolLM2: {a:?} in {elapsed:?}");
    assert!(!a.text.is_empty());
    assert!(a.text.to_lowercase().contains("paris"), "{}", a.text);
    assert!(a.output_tokens.unwrap() <= 24);
    assert!(a.input_tokens.unwrap() > 10, "chat template applied");
    let b = exec
        .chat(
            "You are a helpful assistant.",
            "What is the capital of France? Answer in one word.",
        )
        .await
        .unwrap();
    assert_eq!(
        a.text, b.text,
        "greedy decoding is reproducible (restart re-runs give the same result)"
    );
    // an overlong prompt is a clean error
    let long = "word ".repeat(2000);
    assert!(exec.chat("s", &long).await.is_err());
}
