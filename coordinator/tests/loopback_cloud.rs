//! Aggregation, conflict detection and PII stripping against two loopback "cloud" servers
//! speaking the exact OpenAI Chat Completions and Anthropic Messages wire formats.

mod common;

use std::sync::{Arc, Mutex};

use aos_coordinator::{
    AskOptions, ConflictAction, Coordinator, LlmRegistry, Progress, Router, Services,
    planner::PlanOutcome,
};
use aos_protocol::{
    AgentKey, SignedMessage,
    messages::{Plan, PlanStep, StepType},
};
use axum::{Json, Router as Http, extract::State, routing::post};
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Recorder {
    bodies: Arc<Mutex<Vec<String>>>,
    headers: Arc<Mutex<Vec<String>>>,
    answer: Arc<Mutex<String>>,
}

async fn openai(
    State(r): State<Recorder>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    r.bodies.lock().unwrap().push(body.to_string());
    r.headers
        .lock()
        .unwrap()
        .push(format!("{:?}", headers.get("authorization")));
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["role"], "user");
    let text = r.answer.lock().unwrap().clone();
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
}

async fn anthropic(
    State(r): State<Recorder>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    r.bodies.lock().unwrap().push(body.to_string());
    r.headers.lock().unwrap().push(format!(
        "{:?} {:?}",
        headers.get("x-api-key"),
        headers.get("anthropic-version")
    ));
    assert!(body["system"].is_string());
    assert_eq!(body["messages"][0]["role"], "user");
    let text = r.answer.lock().unwrap().clone();
    Json(json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "usage": {"input_tokens": 10, "output_tokens": 5}
    }))
}

async fn serve(r: Recorder) -> String {
    let app = Http::new()
        .route("/v1/chat/completions", post(openai))
        .route("/v1/messages", post(anthropic))
        .with_state(r);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

fn registry(alpha_url: &str, beta_url: &str) -> LlmRegistry {
    let text = json!({
        "local": {"type": "local", "cost_per_1k_tokens": 0, "max_context": 2048, "latency_ms": 500,
                  "best_for": ["planning"], "endpoint": {"kind": "local"}, "karma": 0.2},
        "alpha": {"type": "cloud", "cost_per_1k_tokens": 0.001, "max_context": 100000, "latency_ms": 100,
                  "best_for": ["simple_analysis"], "karma": 0.8,
                  "endpoint": {"kind": "openai", "base_url": alpha_url, "model": "alpha-1", "api_key_env": "ALPHA_KEY"}},
        "beta": {"type": "cloud", "cost_per_1k_tokens": 0.002, "max_context": 100000, "latency_ms": 100,
                 "best_for": ["simple_analysis"], "karma": 0.6,
                 "endpoint": {"kind": "anthropic", "base_url": beta_url, "model": "beta-1", "api_key_env": "BETA_KEY"}}
    });
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, text.to_string()).unwrap();
    LlmRegistry::load(&p).unwrap()
}

fn plan(request: &str) -> PlanOutcome {
    PlanOutcome {
        plan: Plan {
            request: request.into(),
            steps: vec![PlanStep {
                id: "s1".into(),
                step_type: StepType::SimpleAnalysis,
                description: "Summarise the incident".into(),
                privacy_required: false,
                estimated_tokens: 1000,
                budget: 0.1,
                acceptance: None,
            }],
        },
        fallback: None,
        merged_duplicates: 0,
        raw: String::new(),
        tokens_per_second: 0.0,
        privacy: Default::default(),
    }
}

async fn setup(a: &str, b: &str) -> (Coordinator, Recorder, Recorder) {
    let (ra, rb) = (Recorder::default(), Recorder::default());
    *ra.answer.lock().unwrap() = a.into();
    *rb.answer.lock().unwrap() = b.into();
    let (ua, ub) = (serve(ra.clone()).await, serve(rb.clone()).await);
    let reg = registry(&ua, &ub);
    let services = Services::new(
        &reg,
        common::tiny_model(),
        |env| Some(format!("key-for-{env}")),
        5,
        64,
    );
    (
        Coordinator::new(
            AgentKey::generate(),
            common::tiny_model(),
            Router::new(reg),
            services,
            std::sync::Arc::new(aos_verify::Evaluator::new(None)),
        ),
        ra,
        rb,
    )
}

#[tokio::test]
async fn agreeing_services_aggregate_with_high_confidence() {
    let answer = "The outage came from an expired TLS certificate on the load balancer.";
    let (c, ra, rb) = setup(answer, answer).await;
    let opts = AskOptions {
        redundancy: 2,
        ..AskOptions::default()
    };
    let r = c
        .execute(
            "Summarise the incident.",
            plan("Summarise the incident."),
            &opts,
            |_| {},
        )
        .await;
    let s = &r.steps[0];
    assert_eq!(s.contributions.len(), 2, "{:?}", s.errors);
    let agg = s.aggregated.as_ref().unwrap();
    assert_eq!(agg.action, ConflictAction::None);
    assert_eq!(agg.answer, answer);
    assert!(agg.confidence > 0.6, "{agg:?}");
    assert!(
        (agg.weights[0] - 0.8 / 1.4).abs() < 1e-9,
        "karma-weighted: {:?}",
        agg.weights
    );
    assert_eq!(s.attestations.len(), 2);
    for a in &s.attestations {
        a.verify_signature().unwrap();
    }
    for d in &s.delegations {
        d.verify_signature().unwrap();
    }
    assert_eq!(ra.bodies.lock().unwrap().len(), 1);
    assert_eq!(rb.bodies.lock().unwrap().len(), 1);
    assert!(ra.headers.lock().unwrap()[0].contains("Bearer key-for-ALPHA_KEY"));
    assert!(
        rb.headers.lock().unwrap()[0].contains("key-for-BETA_KEY")
            && rb.headers.lock().unwrap()[0].contains("2023-06-01")
    );
    assert!(r.needs_human_review.is_empty());
}

#[tokio::test]
async fn disagreeing_services_query_again_then_flag_for_review() {
    let (c, _, _) = setup(
        "Revenue fell because of a pricing change in March.",
        "A database migration locked the orders table for two hours.",
    )
    .await;
    let opts = AskOptions {
        redundancy: 2,
        ..AskOptions::default()
    };
    let r = c
        .execute(
            "Summarise the incident.",
            plan("Summarise the incident."),
            &opts,
            |_| {},
        )
        .await;
    let s = &r.steps[0];
    // a third source (the local model) was asked, then the step went to human review
    assert_eq!(s.routes.len(), 3, "{:?}", s.routes);
    assert_eq!(s.routes[2].service, "local");
    let agg = s.aggregated.as_ref().unwrap();
    assert_eq!(agg.action, ConflictAction::HumanReview, "{agg:?}");
    assert!(agg.min_agreement < 0.35);
    assert_eq!(r.needs_human_review, vec!["s1".to_owned()]);
    assert!(agg.confidence < 0.5, "{agg:?}");
}

#[tokio::test]
async fn pii_never_leaves_the_machine() {
    let request = "Summarise: customer Maria Okafor (maria.okafor@example.org, +44 20 7946 0958) \
                   paid with card 4111 1111 1111 1111; Dr. Brennan escalated.";
    let planted = [
        "Maria",
        "Okafor",
        "maria.okafor@example.org",
        "7946 0958",
        "4111 1111 1111 1111",
        "Brennan",
    ];
    let (c, ra, rb) = setup("ok", "ok").await;
    let opts = AskOptions {
        redundancy: 2,
        ..AskOptions::default()
    };
    let r = c.execute(request, plan(request), &opts, |_| {}).await;
    assert_eq!(r.steps[0].contributions.len(), 2);
    let sent: Vec<String> = ra
        .bodies
        .lock()
        .unwrap()
        .iter()
        .chain(rb.bodies.lock().unwrap().iter())
        .cloned()
        .collect();
    assert_eq!(sent.len(), 2);
    for body in &sent {
        for p in planted {
            assert!(!body.contains(p), "{p} left the machine: {body}");
        }
        assert!(
            body.contains("<NAME>") && body.contains("<EMAIL>"),
            "{body}"
        );
    }
    // control: with strip_pii off the same request carries the details
    let (c, ra, _) = setup("ok", "ok").await;
    let mut opts = AskOptions::default();
    opts.delegation.strip_pii = false;
    c.execute(request, plan(request), &opts, |_| {}).await;
    assert!(ra.bodies.lock().unwrap()[0].contains("maria.okafor@example.org"));
}

/// Regression (issue 12): a step no service can take gave an empty answer and no reason
/// (the router's error was dropped). The report, the progress and the answer say why.
#[tokio::test]
async fn an_unroutable_step_says_why() {
    let (c, ra, rb) = setup("a", "b").await;
    let mut p = plan("Summarise the incident.");
    // more tokens than any service holds
    p.plan.steps[0].estimated_tokens = 150_000;
    let mut told = Vec::new();
    let r = c
        .execute("Summarise the incident.", p, &AskOptions::default(), |e| {
            if let Progress::Unroutable(e) = e {
                told.push(e.to_string());
            }
        })
        .await;
    let s = &r.steps[0];
    assert!(s.contributions.is_empty());
    let why = s.unroutable.as_deref().expect("the step says why");
    assert!(why.contains("150000 tokens"), "{why}");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("no service can take step s1"), "{told:?}");
    assert!(
        r.answer.contains("no service can take this step") && r.answer.contains("150000"),
        "{}",
        r.answer
    );
    assert_eq!(r.needs_human_review, vec!["s1".to_owned()]);
    assert!(ra.bodies.lock().unwrap().is_empty() && rb.bodies.lock().unwrap().is_empty());
}
