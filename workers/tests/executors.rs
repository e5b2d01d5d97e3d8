//! Cloud executors against a loopback axum server speaking the exact wire formats
//! (OpenAI Chat Completions, Anthropic Messages), including an error and a timeout; and
//! the human executor's queue.

use std::time::{Duration, Instant};

use alloy::primitives::B256;
use aos_protocol::AgentKey;
use aos_protocol::messages::{Money, Requirements, TaskSpec};
use aos_worker::Store;
use aos_worker::config::CloudConfig;
use aos_worker::executor::anthropic::AnthropicExecutor;
use aos_worker::executor::human::HumanExecutor;
use aos_worker::executor::openai::OpenAiExecutor;
use aos_worker::executor::{ExecError, Executor, Job};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use zeroize::Zeroizing;

const KEY: &str = "sk-test-123";

fn job(prompt: &str) -> Job {
    Job {
        task_id: B256::repeat_byte(1),
        spec: TaskSpec {
            task_id: "t".into(),
            task_type: "summarisation".into(),
            requester: AgentKey::generate().agent_id(),
            requirements: Requirements {
                deadline_ms: 1000,
                ..Default::default()
            },
            payment: Money {
                amount: 1.0,
                currency: "ETH".into(),
            },
            input: json!({ "prompt": prompt }),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: 0,
            signature: None,
        },
    }
}

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

fn cloud(base: &str, model: &str) -> CloudConfig {
    CloudConfig {
        base_url: base.into(),
        model: model.into(),
        api_key_secret: "k".into(),
        max_tokens: 64,
        timeout_s: 1,
        task_types: vec![],
    }
}

#[tokio::test]
async fn openai_compatible_wire_format_error_and_timeout() {
    let base = server().await;
    let ok = OpenAiExecutor::new(cloud(&base, "gpt-test"), Zeroizing::new(KEY.into())).unwrap();
    let out = ok.run(&job("hello")).await.unwrap();
    assert!(
        out.text.starts_with("summary of [Task type: summarisation"),
        "{}",
        out.text
    );
    assert_eq!(out.model.as_deref(), Some("gpt-test"));
    assert_eq!((out.input_tokens, out.output_tokens), (Some(12), Some(5)));
    // a base ending in /v1 (llama.cpp server, vLLM, ollama style) works too
    let v1 = OpenAiExecutor::new(
        cloud(&format!("{base}/v1"), "m"),
        Zeroizing::new(KEY.into()),
    )
    .unwrap();
    v1.run(&job("hello")).await.unwrap();

    let bad =
        OpenAiExecutor::new(cloud(&base, "gpt-test"), Zeroizing::new("wrong".into())).unwrap();
    match bad.run(&job("hello")).await {
        Err(e @ ExecError::Api { status: 401, .. }) => {
            assert!(e.to_string().contains("Incorrect API key"), "{e}");
            assert!(!e.is_retryable());
        }
        other => panic!("{other:?}"),
    }
    let t = Instant::now();
    match ok.run(&job("slow please")).await {
        Err(e @ ExecError::Timeout { .. }) => assert!(e.is_retryable()),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_millis(2500));
}

#[tokio::test]
async fn anthropic_wire_format_error_and_timeout() {
    let base = server().await;
    let ok =
        AnthropicExecutor::new(cloud(&base, "claude-test"), Zeroizing::new(KEY.into())).unwrap();
    let out = ok.run(&job("hello")).await.unwrap();
    assert!(
        out.text.starts_with("summary of [Task type: summarisation"),
        "{}",
        out.text
    );
    assert_eq!((out.input_tokens, out.output_tokens), (Some(10), Some(4)));
    let bad =
        AnthropicExecutor::new(cloud(&base, "claude-test"), Zeroizing::new("nope".into())).unwrap();
    match bad.run(&job("hello")).await {
        Err(e @ ExecError::Api { status: 401, .. }) => {
            assert!(e.to_string().contains("invalid x-api-key"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ok.run(&job("slow")).await,
        Err(ExecError::Timeout { .. })
    ));
}

#[tokio::test]
async fn human_queue_waits_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).await.unwrap();
    let h = HumanExecutor::new(store.clone(), vec![]);
    let j = job("photograph the building");
    assert!(matches!(h.run(&j).await, Err(ExecError::Pending)));
    let q = store.human_queue().await.unwrap();
    assert_eq!(q.len(), 1);
    assert!(q[0].prompt.contains("photograph the building"));
    assert!(
        store
            .submit_human(j.task_id, b"photo.jpg attached")
            .await
            .unwrap()
    );
    assert_eq!(h.run(&j).await.unwrap().text, "photo.jpg attached");
}
