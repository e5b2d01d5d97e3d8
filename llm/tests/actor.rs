//! The model actor with the real SmolLM2 model (script/fetch-model.sh): the path the
//! worker's local executor and the coordinator both take. (Moved here from the worker's
//! `tests/llama.rs` with the actor.)

use std::path::PathBuf;
use std::sync::OnceLock;

use aos_llm::{ChatMessage, GenOptions, LlmError, LocalClient, ModelOptions, Role};

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
fn client() -> Option<&'static LocalClient> {
    static C: OnceLock<Option<LocalClient>> = OnceLock::new();
    C.get_or_init(|| {
        let model = model_path()?;
        Some(
            LocalClient::spawn(
                model,
                ModelOptions {
                    threads: 1,
                    n_ctx: 512,
                },
            )
            .expect("SmolLM2 loads"),
        )
    })
    .as_ref()
}

async fn ask(c: &LocalClient, system: &str, user: &str) -> Result<aos_llm::Generation, LlmError> {
    c.chat(
        vec![
            ChatMessage::new(Role::System, system),
            ChatMessage::new(Role::User, user),
        ],
        GenOptions {
            max_tokens: 24,
            repeat_penalty: 1.15,
            ..GenOptions::default()
        },
    )
    .await
}

#[tokio::test]
async fn smollm2_answers_and_is_deterministic() {
    let Some(c) = client() else {
        eprintln!(
            "\n\n!!! SKIPPED: .models/SmolLM2-135M-Instruct.Q4_1.gguf is absent and script/fetch-model.sh could not fetch it !!!\n"
        );
        return;
    };
    let t = std::time::Instant::now();
    let q = "What is the capital of France? Answer in one word.";
    let a = ask(c, "You are a helpful assistant.", q).await.unwrap();
    let elapsed = t.elapsed();
    eprintln!("SmolLM2: {a:?} in {elapsed:?}");
    assert!(!a.text.is_empty());
    assert!(a.text.to_lowercase().contains("paris"), "{}", a.text);
    assert!(a.generated_tokens <= 24);
    assert!(a.prompt_tokens > 10, "chat template applied");
    let b = ask(c, "You are a helpful assistant.", q).await.unwrap();
    assert_eq!(
        a.text, b.text,
        "greedy decoding is reproducible (restart re-runs give the same result)"
    );
    // an overlong prompt is a clean error
    let long = "word ".repeat(2000);
    assert!(matches!(
        ask(c, "s", &long).await,
        Err(LlmError::ContextOverflow { .. })
    ));
}

#[tokio::test]
async fn a_missing_model_fails_to_spawn_and_clients_queue() {
    let e = LocalClient::spawn("/nonexistent.gguf", ModelOptions::default()).unwrap_err();
    assert!(matches!(e, LlmError::Load { .. }), "{e}");
    let Some(c) = client() else { return };
    // more requests than the queue holds all get answers (senders wait, none is dropped)
    let jobs: Vec<_> = (0..aos_llm::QUEUE_DEPTH + 2)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.chat(
                    vec![ChatMessage::new(Role::User, "Say hi.")],
                    GenOptions {
                        max_tokens: 2,
                        ..GenOptions::default()
                    },
                )
                .await
            })
        })
        .collect();
    for j in jobs {
        assert!(j.await.unwrap().is_ok());
    }
}
