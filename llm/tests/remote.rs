//! The cloud clients against a loopback axum server speaking the exact wire formats
//! (OpenAI Chat Completions, Anthropic Messages), including an error and a timeout.
//! (Moved here from the worker's executor tests with the clients.)

use std::time::{Duration, Instant};

use aos_llm::{AnthropicClient, OpenAiClient, RemoteConfig, RemoteError};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use zeroize::Zeroizing;

const KEY: &str = "sk-test-123";

/// What the worker sends for a `summarisation` task with the prompt `prompt`.
fn user(prompt: &str) -> String {
    format!("Task type: summarisation\n\n{prompt}")
}

const SYSTEM: &str = "You are a worker agent in the AOS task market.";

async fn openai(headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {KEY}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}),
            ),
        );
    }
    let user = body["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["role"], "user");
    assert!(body["max_tokens"].is_u64());
    if user.contains("slow") {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    (
        StatusCode::OK,
        Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("summary of [{user}]")}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
        })),
    )
}

async fn anthropic(headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if h("anthropic-version").as_deref() != Some("2023-06-01") {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"type": "error", "error": {"type": "invalid_request_error", "message": "anthropic-version header is required"}}),
            ),
        );
    }
    if h("x-api-key").as_deref() != Some(KEY) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
            ),
        );
    }
    assert!(body["system"].is_string());
    assert!(body["max_tokens"].is_u64());
    let user = body["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if user.contains("slow") {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    (
        StatusCode::OK,
        Json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "text", "text": format!("summary of [{user}]")}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 4}
        })),
    )
}

async fn server() -> String {
    let app = Router::new()
        .route("/v1/chat/completions", post(openai))
        .route("/v1/messages", post(anthropic));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

fn cloud(base: &str, model: &str) -> RemoteConfig {
    RemoteConfig {
        base_url: base.into(),
        model: model.into(),
        max_tokens: 64,
        timeout: Duration::from_secs(1),
    }
}

#[tokio::test]
async fn openai_compatible_wire_format_error_and_timeout() {
    let base = server().await;
    let ok = OpenAiClient::new(cloud(&base, "gpt-test"), Zeroizing::new(KEY.into())).unwrap();
    let out = ok.complete(SYSTEM, &user("hello")).await.unwrap();
    assert!(
        out.text.starts_with("summary of [Task type: summarisation"),
        "{}",
        out.text
    );
    assert_eq!(out.model.as_deref(), Some("gpt-test"));
    assert_eq!((out.input_tokens, out.output_tokens), (Some(12), Some(5)));
    // a base ending in /v1 (llama.cpp server, vLLM, ollama style) works too
    let v1 = OpenAiClient::new(
        cloud(&format!("{base}/v1"), "m"),
        Zeroizing::new(KEY.into()),
    )
    .unwrap();
    v1.complete(SYSTEM, &user("hello")).await.unwrap();

    let bad = OpenAiClient::new(cloud(&base, "gpt-test"), Zeroizing::new("wrong".into())).unwrap();
    match bad.complete(SYSTEM, &user("hello")).await {
        Err(e @ RemoteError::Api { status: 401, .. }) => {
            assert!(e.to_string().contains("Incorrect API key"), "{e}");
            assert!(!e.is_retryable());
        }
        other => panic!("{other:?}"),
    }
    let t = Instant::now();
    match ok.complete(SYSTEM, &user("slow please")).await {
        Err(e @ RemoteError::Timeout { .. }) => assert!(e.is_retryable()),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_millis(2500));
}

#[tokio::test]
async fn anthropic_wire_format_error_and_timeout() {
    let base = server().await;
    let ok = AnthropicClient::new(cloud(&base, "claude-test"), Zeroizing::new(KEY.into())).unwrap();
    let out = ok.complete(SYSTEM, &user("hello")).await.unwrap();
    assert!(
        out.text.starts_with("summary of [Task type: summarisation"),
        "{}",
        out.text
    );
    assert_eq!((out.input_tokens, out.output_tokens), (Some(10), Some(4)));
    let bad =
        AnthropicClient::new(cloud(&base, "claude-test"), Zeroizing::new("nope".into())).unwrap();
    match bad.complete(SYSTEM, &user("hello")).await {
        Err(e @ RemoteError::Api { status: 401, .. }) => {
            assert!(e.to_string().contains("invalid x-api-key"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ok.complete(SYSTEM, &user("slow")).await,
        Err(RemoteError::Timeout { .. })
    ));
}
