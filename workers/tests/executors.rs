//! The human executor's queue (the cloud clients' wire tests live in aos-llm's
//! `tests/remote.rs`; the executors here are thin adapters over them).

use alloy::primitives::B256;
use aos_protocol::AgentKey;
use aos_protocol::messages::{Money, Requirements, TaskSpec};
use aos_worker::Store;
use aos_worker::config::CloudConfig;
use aos_worker::executor::human::HumanExecutor;
use aos_worker::executor::openai::OpenAiExecutor;
use aos_worker::executor::{ExecError, Executor, Job};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use zeroize::Zeroizing;

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
            payment: Money::eth_wei(1_000_000_000_000_000_000),
            input: json!({ "prompt": prompt }),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: 0,
            acceptance: None,
            signature: None,
        },
        attempt: 0,
    }
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

/// The adapter sends the job's prompt as the user message and maps an API error to a
/// retry classification the engine understands.
#[tokio::test]
async fn cloud_executor_adapts_the_job_and_the_error() {
    async fn echo(Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
        let user = body["messages"][1]["content"].as_str().unwrap_or_default();
        if user.contains("busy") {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"error": {"message": "slow down"}})),
            );
        }
        (
            StatusCode::OK,
            Json(
                json!({"model": "m", "choices": [{"message": {"content": format!("summary of [{user}]")}}]}),
            ),
        )
    }
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(l, Router::new().route("/v1/chat/completions", post(echo)))
            .await
            .unwrap()
    });
    let cfg = CloudConfig {
        base_url: format!("http://{addr}"),
        model: "m".into(),
        api_key_secret: "k".into(),
        max_tokens: 64,
        timeout_s: 5,
        task_types: vec!["summarisation".into()],
    };
    let x = OpenAiExecutor::new(cfg, Zeroizing::new("k".into())).unwrap();
    assert!(x.accepts("summarisation") && !x.accepts("translation"));
    let out = x.run(&job("hello")).await.unwrap();
    assert!(
        out.text.starts_with("summary of [Task type: summarisation"),
        "{}",
        out.text
    );
    let e = x.run(&job("busy")).await.unwrap_err();
    assert!(matches!(e, ExecError::Remote(_)) && e.is_retryable(), "{e}");
}
