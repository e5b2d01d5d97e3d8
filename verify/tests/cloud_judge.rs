//! Rubric judges on cloud APIs (`LlmJudge::openai`, `LlmJudge::anthropic`: what `aos task
//! review --judge-api` and `aos juror run --judge-api` use) against loopback servers that
//! speak each API's exact wire format: the request carries the model, the key in the API's
//! header and the fenced prompt; the reply's JSON becomes the judge record (score × 1 000 =
//! bps, the rationale kept); a reply without a score is a clear error.

use std::sync::{Arc, Mutex};

use aos_llm::{AnthropicClient, OpenAiClient, RemoteConfig};
use aos_protocol::messages::Rubric;
use aos_verify::{Judge, LlmJudge};
use axum::{Json, http::HeaderMap, routing::post};
use serde_json::{Value, json};

/// What the server saw: headers and body of each request.
type Seen = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

/// A loopback server answering `path` with `reply(model text)`.
async fn server(path: &'static str, text: &'static str, anthropic: bool) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let app = axum::Router::new().route(
        path,
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let log = Arc::clone(&log);
            async move {
                log.lock().unwrap().push((headers, body.clone()));
                Json(if anthropic {
                    json!({
                        "id": "msg_1", "type": "message", "role": "assistant",
                        "model": body["model"],
                        "content": [{"type": "text", "text": text}],
                        "stop_reason": "end_turn",
                        "usage": {"input_tokens": 120, "output_tokens": 20}
                    })
                } else {
                    json!({
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 1,
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": 120, "completion_tokens": 20,
                                  "total_tokens": 140}
                    })
                })
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, seen)
}

fn cfg(url: &str, model: &str) -> RemoteConfig {
    RemoteConfig {
        base_url: url.into(),
        model: model.into(),
        max_tokens: 512,
        timeout: std::time::Duration::from_secs(10),
    }
}

fn rubric() -> Rubric {
    Rubric {
        criteria: vec!["names the root cause (a full disk)".into()],
        threshold_bps: 6000,
    }
}

const INPUT: &str = "The database was down for three hours because its disk was full.";
const OUTPUT: &str = "A full disk took the database down for three hours.";

#[tokio::test]
async fn an_openai_judge_scores_over_the_chat_completions_wire_format() {
    let (url, seen) = server(
        "/v1/chat/completions",
        r#"{"score": 8, "rationale": "names the full disk"}"#,
        false,
    )
    .await;
    let judge = LlmJudge::openai(
        OpenAiClient::new(cfg(&url, "gpt-4o-mini"), "sk-test".to_owned().into()).unwrap(),
    );
    assert_eq!(judge.identity(), "openai:gpt-4o-mini");
    let r = judge.score(&rubric(), INPUT, OUTPUT).await.unwrap();
    assert_eq!((r.score_bps, r.threshold_bps), (8000, 6000));
    assert_eq!(r.rationale, "names the full disk");
    let seen = seen.lock().unwrap();
    let (headers, body) = &seen[0];
    assert_eq!(headers["authorization"], "Bearer sk-test");
    assert_eq!(body["model"], "gpt-4o-mini");
    let user = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .unwrap()["content"]
        .as_str()
        .unwrap();
    assert!(
        user.contains(OUTPUT) && user.contains("root cause"),
        "{user}"
    );
}

#[tokio::test]
async fn an_anthropic_judge_scores_over_the_messages_wire_format() {
    let (url, seen) = server(
        "/v1/messages",
        r#"Here is my grade: {"score": 3, "rationale": "misses the cause"}"#,
        true,
    )
    .await;
    let judge = LlmJudge::anthropic(
        AnthropicClient::new(cfg(&url, "claude-sonnet-4-5"), "ak-test".to_owned().into()).unwrap(),
    );
    let r = judge.score(&rubric(), INPUT, OUTPUT).await.unwrap();
    assert_eq!(r.score_bps, 3000);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0["x-api-key"], "ak-test");
    assert!(seen[0].0.contains_key("anthropic-version"));
    assert_eq!(seen[0].1["model"], "claude-sonnet-4-5");
}

#[tokio::test]
async fn a_reply_without_a_score_is_a_clear_error() {
    let (url, _) = server("/v1/chat/completions", "I think it is fine.", false).await;
    let judge = LlmJudge::openai(OpenAiClient::new(cfg(&url, "m"), "k".to_owned().into()).unwrap());
    let e = judge.score(&rubric(), INPUT, OUTPUT).await.unwrap_err();
    assert!(e.to_string().contains("openai:m"), "{e}");
}
