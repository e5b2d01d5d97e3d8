//! Planner-style grammar-constrained decoding vs raw llama.cpp decoding of the same model,
//! prompt and threads, in one run (issue: ratio ≥ 0.9 with the grammar on).
//!
//! Run: `cargo bench -p aos-llm --bench grammar` (model from script/fetch-model.sh; set
//! AOS_MODEL to bench another GGUF, AOS_THREADS for threads, default 1: on a shared 2-core machine llama.cpp's spinning threads collapse with 2).

use aos_llm::{ChatMessage, GenOptions, LocalModel, ModelOptions, Role, json_schema_to_grammar};

const SCHEMA: &str = r#"{"type":"object","properties":{"steps":{"type":"array","minItems":1,"maxItems":4,"items":{"type":"object","properties":{"id":{"type":"string","maxLength":12},"type":{"type":"string","enum":["complex_reasoning","fast_generation","simple_analysis","long_document"]},"description":{"type":"string","maxLength":120}},"required":["id","type","description"],"additionalProperties":false}}},"required":["steps"],"additionalProperties":false}"#;

fn main() {
    let path = std::env::var("AOS_MODEL").unwrap_or_else(|_| {
        let out = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../script/fetch-model.sh"
        ))
        .output()
        .expect("fetch-model runs");
        String::from_utf8(out.stdout)
            .expect("utf-8 path")
            .trim()
            .to_owned()
    });
    let threads: u16 = std::env::var("AOS_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let m = LocalModel::load(
        &path,
        ModelOptions {
            threads,
            n_ctx: 2048,
        },
    )
    .expect("model loads");
    let msgs = [
        ChatMessage::new(Role::System, "You plan work as JSON."),
        ChatMessage::new(
            Role::User,
            "Plan: summarise an incident report and list three follow-ups.",
        ),
    ];
    let grammar = json_schema_to_grammar(SCHEMA).expect("schema converts");
    let rounds = 3;
    let (mut raw_tps, mut gram_tps) = (Vec::new(), Vec::new());
    let mut tokens = (0, 0);
    for _ in 0..rounds {
        // alternate so load changes hit both sides alike
        let raw = m
            .chat(
                &msgs,
                &GenOptions {
                    max_tokens: 128,
                    ..GenOptions::default()
                },
            )
            .expect("raw");
        let gram = m
            .chat(
                &msgs,
                &GenOptions {
                    max_tokens: 128,
                    grammar: Some(grammar.clone()),
                    ..GenOptions::default()
                },
            )
            .expect("grammar");
        raw_tps.push(raw.tokens_per_second());
        gram_tps.push(gram.tokens_per_second());
        tokens = (raw.generated_tokens, gram.generated_tokens);
    }
    let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let (r, g) = (best(&raw_tps), best(&gram_tps));
    println!("model: {path}, threads: {threads}, rounds: {rounds} (best of each)");
    println!(
        "raw decoding:              {r:.1} tokens/s ({} tokens)",
        tokens.0
    );
    println!(
        "grammar-constrained (JSON): {g:.1} tokens/s ({} tokens)",
        tokens.1
    );
    println!("ratio grammar/raw: {:.3} (target >= 0.9)", g / r);
}
