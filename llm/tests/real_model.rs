//! The real default model (SmolLM2-135M-Instruct, fetched by script/fetch-model.sh).

use std::sync::OnceLock;

use aos_llm::{
    ChatMessage, GenOptions, LlmError, LocalModel, ModelOptions, Role, json_schema_to_grammar,
};

fn model() -> &'static LocalModel {
    static M: OnceLock<LocalModel> = OnceLock::new();
    M.get_or_init(|| {
        let path = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../script/fetch-model.sh"
        ))
        .output()
        .expect("script/fetch-model.sh runs");
        assert!(
            path.status.success(),
            "fetch-model failed: {}",
            String::from_utf8_lossy(&path.stderr)
        );
        let path = String::from_utf8(path.stdout).unwrap();
        LocalModel::load(
            path.trim(),
            ModelOptions {
                threads: 1,
                n_ctx: 2048,
            },
        )
        .expect("model loads")
    })
}

#[test]
fn chat_generates_text() {
    let g = model()
        .chat(
            &[ChatMessage::new(Role::User, "Name one colour of the sky.")],
            &GenOptions {
                max_tokens: 24,
                ..GenOptions::default()
            },
        )
        .unwrap();
    assert!(g.generated_tokens > 0 && !g.text.trim().is_empty(), "{g:?}");
    assert!(g.prompt_tokens > 5);
}

#[test]
fn grammar_forces_schema_json() {
    let schema = r#"{"type":"object","properties":{"colour":{"type":"string","maxLength":20},"count":{"type":"integer","minimum":0,"maximum":9}},"required":["colour","count"],"additionalProperties":false}"#;
    let grammar = json_schema_to_grammar(schema).unwrap();
    let g = model()
        .chat(
            &[ChatMessage::new(
                Role::User,
                "Reply in JSON: a colour and a count.",
            )],
            &GenOptions {
                max_tokens: 60,
                grammar: Some(grammar),
                ..GenOptions::default()
            },
        )
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(g.text.trim()).unwrap_or_else(|e| panic!("{e}: {:?}", g.text));
    assert!(v["colour"].is_string() && v["count"].is_u64(), "{v}");
}

#[test]
fn errors_are_clear() {
    let e = LocalModel::load("/nonexistent.gguf", ModelOptions::default()).unwrap_err();
    assert!(matches!(e, LlmError::Load { .. }) && e.to_string().contains("/nonexistent.gguf"));
    let long = "word ".repeat(5000);
    let e = model().complete(&long, &GenOptions::default()).unwrap_err();
    assert!(matches!(e, LlmError::ContextOverflow { .. }), "{e}");
    let e = model()
        .complete(
            "hi",
            &GenOptions {
                grammar: Some("root ::= (".into()),
                ..GenOptions::default()
            },
        )
        .unwrap_err();
    assert!(matches!(e, LlmError::Grammar(_)), "{e}");
}
