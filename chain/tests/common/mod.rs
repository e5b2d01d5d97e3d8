//! A recording JSON-RPC proxy in front of anvil: every request body is kept, and
//! `eth_getLogs` ranges wider than a cap can be refused the way public RPCs refuse them.

#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};

use axum::{Router, body::Bytes, extract::State, http::header, routing::post};

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    bodies: Arc<Mutex<Vec<String>>>,
    log_range_cap: Option<u64>,
}

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// Forward to `upstream`, recording bodies; refuse `eth_getLogs` over `log_range_cap`
    /// blocks with geth's "query returned more than 10000 results" (code -32005).
    pub async fn spawn(upstream: String, log_range_cap: Option<u64>) -> Self {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            upstream,
            http: reqwest::Client::new(),
            bodies: bodies.clone(),
            log_range_cap,
        };
        let app = Router::new().route("/", post(handle)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, bodies, task }
    }

    /// The request bodies seen so far, in order.
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }

    /// `(fromBlock, toBlock)` of every `eth_getLogs` seen, in order.
    pub fn log_ranges(&self) -> Vec<(u64, u64)> {
        self.bodies().iter().filter_map(|b| log_range(b)).collect()
    }
}

fn hex_u64(v: &serde_json::Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

fn log_range(body: &str) -> Option<(u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    if v["method"] != "eth_getLogs" {
        return None;
    }
    let f = &v["params"][0];
    Some((hex_u64(&f["fromBlock"])?, hex_u64(&f["toBlock"])?))
}

async fn handle(
    State(s): State<Shared>,
    body: Bytes,
) -> ([(header::HeaderName, &'static str); 1], Vec<u8>) {
    let text = String::from_utf8_lossy(&body).into_owned();
    s.bodies.lock().unwrap().push(text.clone());
    let json = [(header::CONTENT_TYPE, "application/json")];
    if let (Some(cap), Some((from, to))) = (s.log_range_cap, log_range(&text))
        && to.saturating_sub(from) + 1 > cap
    {
        let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["id"].clone();
        let err = serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": -32005, "message": "query returned more than 10000 results" }
        });
        return (json, serde_json::to_vec(&err).unwrap());
    }
    let r = s
        .http
        .post(&s.upstream)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    (json, r.to_vec())
}
