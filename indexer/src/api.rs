//! The HTTP routing API (axum). `indexer/openapi.yaml` documents every route.
//!
//! Errors are `{"error": {"code": "...", "message": "..."}}` with a stable code
//! (`bad_request`, `not_found`, `internal`); database errors are logged and answered with
//! `internal` — no SQL text leaves the server.
//!
//! **Ranking** (`GET /route`): for every registered agent with a karma record in the domain,
//! accuracy and completion are decayed to now with `aos_protocol::karma::decay` (the
//! contracts' rule, bit-exact); agents below `min_accuracy` / `min_completion` are dropped;
//! the rest are ordered by `score = accuracy × completion / 1e18` (WAD), then by settled
//! tasks in the domain (more first), then by address.

use std::{str::FromStr, time::SystemTime};

use alloy::primitives::{Address, B256, U256};
use aos_protocol::karma::{WAD, decay, wad_from_f64, wad_to_f64};
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Metrics, Store,
    decode::{PHASE_NAMES, STATUS_NAMES, addr, h256},
    store::{K, StoreError},
};

/// Shared state of the API.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The mirror.
    pub store: Store,
    /// The indexer's metrics (served on `/metrics`, read by `/health`).
    pub metrics: Metrics,
    /// Chain id mirrored.
    pub chain_id: u64,
    /// `KarmaRegistry.halfLife()` in seconds (decay of karma to now).
    pub half_life_s: u64,
}

/// An API error: HTTP status, stable code, human message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "API query failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "the database could not answer".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response()
    }
}

type R = Result<Json<Value>, ApiError>;

/// The router: `/health`, `/metrics`, `/tasks`, `/tasks/{id}`, `/agents/{address}`,
/// `/route`, `/disputes`, `/disputes/{id}`. Unknown paths answer a JSON `not_found`.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/tasks", get(tasks))
        .route("/tasks/{id}", get(task))
        .route("/agents/{address}", get(agent))
        .route("/route", get(route))
        .route("/disputes", get(disputes))
        .route("/disputes/{id}", get(dispute))
        .fallback(|| async { ApiError::not_found("no such route") })
        .with_state(state)
}

fn parse_addr(what: &str, s: &str) -> Result<Address, ApiError> {
    Address::from_str(s.trim())
        .map_err(|_| ApiError::bad(format!("{what} must be a 0x-prefixed 20-byte hex address")))
}

fn parse_u256(what: &str, s: &str) -> Result<U256, ApiError> {
    U256::from_str_radix(s.trim(), 10)
        .map_err(|_| ApiError::bad(format!("{what} must be a decimal integer (base units)")))
}

/// A domain given as its name (`summarisation`) or as 0x-hex bytes32: the `domain` column.
fn parse_domain(s: &str) -> Result<String, ApiError> {
    if s.starts_with("0x") {
        B256::from_str(s)
            .map(h256)
            .map_err(|_| ApiError::bad("domain must be a name or 0x-hex bytes32"))
    } else {
        aos_chain::domain_to_bytes32(s)
            .map(h256)
            .map_err(|e| ApiError::bad(format!("domain: {e}")))
    }
}

fn parse_fraction(what: &str, s: &Option<String>) -> Result<u64, ApiError> {
    match s {
        None => Ok(0),
        Some(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| (0.0..=1.0).contains(x))
            .and_then(wad_from_f64)
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "{what} must be a fraction between 0 and 1 (e.g. 0.75)"
                ))
            }),
    }
}

fn limit_offset(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), ApiError> {
    let l = limit.unwrap_or(100);
    let o = offset.unwrap_or(0);
    if !(1..=1000).contains(&l) || o < 0 {
        return Err(ApiError::bad("limit must be 1..=1000 and offset ≥ 0"));
    }
    Ok((l, o))
}

async fn now_s(st: &ApiState, at: Option<u64>) -> Result<u64, ApiError> {
    if let Some(t) = at {
        return Ok(t);
    }
    let wall = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let chain = st
        .store
        .cursor(st.chain_id)
        .await?
        .map(|c| c.timestamp)
        .unwrap_or_default();
    Ok(wall.max(chain))
}

async fn health(State(st): State<ApiState>) -> Response {
    match st.store.cursor(st.chain_id).await {
        Ok(c) => Json(json!({
            "status": "ok",
            "chainId": st.chain_id,
            "lastBlock": c.map(|c| c.number),
            "headBlock": st.metrics.head_block.get(),
            "lagBlocks": st.metrics.lag_blocks.get(),
        }))
        .into_response(),
        Err(e) => {
            let mut r = ApiError::from(e).into_response();
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r
        }
    }
}

async fn metrics(State(st): State<ApiState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
        .into_response()
}

fn task_cols(s: &Store) -> (String, Vec<(&'static str, K)>) {
    let spec: Vec<(&str, K)> = vec![
        ("taskId", K::T),
        ("requester", K::T),
        ("asset", K::T),
        ("payment", K::N),
        ("stakeBps", K::I),
        ("feeBps", K::I),
        ("claimDeadline", K::I),
        ("completionDeadline", K::I),
        ("reviewWindow", K::I),
        ("maxDelegationDepth", K::I),
        ("minAccuracy", K::N),
        ("minCompletion", K::N),
        ("domain", K::T),
        ("domainName", K::T),
        ("specHash", K::T),
        ("parentTaskId", K::T),
        ("salt", K::N),
        ("status", K::T),
        ("worker", K::T),
        ("stake", K::N),
        ("resultHash", K::T),
        ("disputeId", K::N),
        ("bond", K::N),
        ("ruling", K::I),
        ("finalized", K::B),
        ("workerAmount", K::N),
        ("requesterAmount", K::N),
        ("fee", K::N),
        ("postedBlock", K::I),
        ("updatedBlock", K::I),
    ];
    let cols = format!(
        "task_id, requester, asset, {}, stake_bps, fee_bps, claim_deadline, completion_deadline, review_window, \
         max_delegation_depth, {}, {}, domain, domain_name, spec_hash, parent_task_id, {}, status, worker, {}, \
         result_hash, {}, {}, ruling, finalized, {}, {}, {}, posted_block, updated_block",
        s.num_col("payment"),
        s.num_col("min_accuracy"),
        s.num_col("min_completion"),
        s.num_col("salt"),
        s.num_col("stake"),
        s.num_col("dispute_id"),
        s.num_col("bond"),
        s.num_col("worker_amount"),
        s.num_col("requester_amount"),
        s.num_col("fee"),
    );
    (cols, spec)
}

/// Query of `GET /tasks`.
#[derive(Debug, Deserialize)]
pub struct TasksQuery {
    status: Option<String>,
    domain: Option<String>,
    asset: Option<String>,
    min_payment: Option<String>,
    requester: Option<String>,
    worker: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn ph(s: &Store, k: usize, numeric: bool) -> String {
    if numeric && s.dialect() == crate::Dialect::Postgres {
        format!("${k}::numeric")
    } else {
        format!("${k}")
    }
}

async fn tasks(State(st): State<ApiState>, Query(q): Query<TasksQuery>) -> R {
    let s = &st.store;
    let (limit, offset) = limit_offset(q.limit, q.offset)?;
    let mut conds = Vec::new();
    let mut binds = Vec::new();
    let status = q.status.unwrap_or_else(|| "Open".into());
    if status != "any" {
        let name = STATUS_NAMES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(&status))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "status must be one of {} or any",
                    STATUS_NAMES[1..].join(", ")
                ))
            })?;
        binds.push((*name).to_owned());
        conds.push(format!("status = {}", ph(s, binds.len(), false)));
    }
    if let Some(d) = &q.domain {
        binds.push(parse_domain(d)?);
        conds.push(format!("domain = {}", ph(s, binds.len(), false)));
    }
    if let Some(a) = &q.asset {
        let a = if a.eq_ignore_ascii_case("eth") {
            Address::ZERO
        } else {
            parse_addr("asset", a)?
        };
        binds.push(addr(a));
        conds.push(format!("asset = {}", ph(s, binds.len(), false)));
    }
    if let Some(m) = &q.min_payment {
        binds.push(s.num(parse_u256("min_payment", m)?));
        conds.push(format!("payment >= {}", ph(s, binds.len(), true)));
    }
    for (col, v) in [("requester", &q.requester), ("worker", &q.worker)] {
        if let Some(v) = v {
            binds.push(addr(parse_addr(col, v)?));
            conds.push(format!("{col} = {}", ph(s, binds.len(), false)));
        }
    }
    let (cols, spec) = task_cols(s);
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        "SELECT {cols} FROM tasks {wh} ORDER BY payment DESC, posted_block, task_id LIMIT {limit} OFFSET {offset}"
    );
    let rows = s.json_rows(&sql, binds, &spec).await?;
    Ok(Json(
        json!({"tasks": rows, "limit": limit, "offset": offset}),
    ))
}

fn history_spec() -> Vec<(&'static str, K)> {
    vec![
        ("contract", K::T),
        ("event", K::T),
        ("blockNumber", K::I),
        ("blockHash", K::T),
        ("logIndex", K::I),
        ("txHash", K::T),
        ("blockTimestamp", K::I),
        ("args", K::J),
    ]
}

const HISTORY_COLS: &str =
    "contract, kind, block_number, block_hash, log_index, tx_hash, block_timestamp, args";

async fn task(State(st): State<ApiState>, Path(id): Path<String>) -> R {
    let s = &st.store;
    let id = B256::from_str(&id).map_err(|_| ApiError::bad("task id must be 0x-hex bytes32"))?;
    let (cols, spec) = task_cols(s);
    let mut rows = s
        .json_rows(
            &format!("SELECT {cols} FROM tasks WHERE task_id = $1"),
            vec![h256(id)],
            &spec,
        )
        .await?;
    let Some(mut t) = rows.pop() else {
        return Err(ApiError::not_found(format!("no task {id}")));
    };
    let history = s
        .json_rows(&format!("SELECT {HISTORY_COLS} FROM events WHERE task_id = $1 ORDER BY block_number, log_index"), vec![h256(id)], &history_spec())
        .await?;
    t["history"] = Value::Array(history);
    Ok(Json(t))
}

/// `at` query parameter (unix seconds to decay karma to).
#[derive(Debug, Deserialize)]
pub struct AtQuery {
    at: Option<u64>,
}

fn karma_view(k: &Value, now: u64, half_life: u64) -> (Value, u64, u64) {
    let acc = k["accuracy"].as_i64().unwrap_or_default().max(0) as u64;
    let comp = k["completion"].as_i64().unwrap_or_default().max(0) as u64;
    let t = k["updatedAt"].as_i64().unwrap_or_default().max(0) as u64;
    let elapsed = now.saturating_sub(t);
    let (da, dc) = (
        decay(acc, elapsed, half_life),
        decay(comp, elapsed, half_life),
    );
    let mut v = k.clone();
    v["accuracyWad"] = json!(acc.to_string());
    v["completionWad"] = json!(comp.to_string());
    v["accuracyDecayedWad"] = json!(da.to_string());
    v["completionDecayedWad"] = json!(dc.to_string());
    v["accuracyDecayed"] = json!(wad_to_f64(da));
    v["completionDecayed"] = json!(wad_to_f64(dc));
    if let Some(o) = v.as_object_mut() {
        o.remove("accuracy");
        o.remove("completion");
    }
    (v, da, dc)
}

const KARMA_COLS: &str = "agent, domain, domain_name, accuracy, completion, updated_at, tasks, disputes_won, disputes_lost, last_outcome, updated_block";
fn karma_spec() -> Vec<(&'static str, K)> {
    vec![
        ("agent", K::T),
        ("domain", K::T),
        ("domainName", K::T),
        ("accuracy", K::I),
        ("completion", K::I),
        ("updatedAt", K::I),
        ("tasks", K::I),
        ("disputesWon", K::I),
        ("disputesLost", K::I),
        ("lastOutcome", K::T),
        ("updatedBlock", K::I),
    ]
}

async fn agent(State(st): State<ApiState>, Path(a): Path<String>, Query(q): Query<AtQuery>) -> R {
    let s = &st.store;
    let a = addr(parse_addr("address", &a)?);
    let now = now_s(&st, q.at).await?;
    let mut rows = s
        .json_rows(
            "SELECT account, agent_key, manifest_hash, registered, first_block, updated_block FROM agents WHERE account = $1",
            vec![a.clone()],
            &[("account", K::T), ("agentKey", K::T), ("manifestHash", K::T), ("registered", K::B), ("firstBlock", K::I), ("updatedBlock", K::I)],
        )
        .await?;
    let karma = s
        .json_rows(
            &format!("SELECT {KARMA_COLS} FROM karma WHERE agent = $1 ORDER BY domain_name"),
            vec![a.clone()],
            &karma_spec(),
        )
        .await?;
    let earnings = s
        .json_rows(
            &format!(
                "SELECT asset, {} FROM earnings WHERE agent = $1 ORDER BY asset",
                s.num_col("total")
            ),
            vec![a.clone()],
            &[("asset", K::T), ("total", K::N)],
        )
        .await?;
    let juror = s
        .json_rows(
            &format!(
                "SELECT {}, leave_available_at FROM jurors WHERE juror = $1",
                s.num_col("stake")
            ),
            vec![a.clone()],
            &[("stake", K::N), ("leaveAvailableAt", K::I)],
        )
        .await?;
    if rows.is_empty() && karma.is_empty() && juror.is_empty() {
        return Err(ApiError::not_found(format!("no agent {a}")));
    }
    let mut out = rows
        .pop()
        .unwrap_or_else(|| json!({"account": a, "registered": false}));
    out["karma"] = Value::Array(
        karma
            .iter()
            .map(|k| karma_view(k, now, st.half_life_s).0)
            .collect(),
    );
    out["earnings"] = Value::Array(earnings);
    out["juror"] = juror.into_iter().next().unwrap_or(Value::Null);
    out["decayedTo"] = json!(now);
    out["halfLifeSeconds"] = json!(st.half_life_s);
    Ok(Json(out))
}

/// Query of `GET /route`.
#[derive(Debug, Deserialize)]
pub struct RouteQuery {
    domain: Option<String>,
    skills: Option<String>,
    min_accuracy: Option<String>,
    min_completion: Option<String>,
    limit: Option<i64>,
    at: Option<u64>,
}

async fn route(State(st): State<ApiState>, Query(q): Query<RouteQuery>) -> R {
    let s = &st.store;
    let domain = parse_domain(
        q.domain
            .as_deref()
            .ok_or_else(|| ApiError::bad("domain is required"))?,
    )?;
    let min_acc = parse_fraction("min_accuracy", &q.min_accuracy)?;
    let min_comp = parse_fraction("min_completion", &q.min_completion)?;
    let (limit, _) = limit_offset(q.limit, None)?;
    let now = now_s(&st, q.at).await?;
    let cols = KARMA_COLS
        .split(", ")
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = s
        .json_rows(
            &format!("SELECT {cols} FROM karma k JOIN agents a ON a.account = k.agent WHERE k.domain = $1 AND a.registered = 1"),
            vec![domain.clone()],
            &karma_spec(),
        )
        .await?;
    let mut ranked: Vec<(u128, i64, String, Value)> = rows
        .iter()
        .filter_map(|k| {
            let (v, da, dc) = karma_view(k, now, st.half_life_s);
            (da >= min_acc && dc >= min_comp).then(|| {
                let score = u128::from(da) * u128::from(dc) / u128::from(WAD);
                (
                    score,
                    k["tasks"].as_i64().unwrap_or_default(),
                    k["agent"].as_str().unwrap_or_default().to_owned(),
                    v,
                )
            })
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let agents: Vec<Value> = ranked
        .into_iter()
        .take(limit as usize)
        .enumerate()
        .map(|(i, (score, _, agent, karma))| json!({"rank": i + 1, "agent": agent, "scoreWad": score.to_string(), "score": score as f64 / WAD as f64, "karma": karma}))
        .collect();
    let skills: Vec<String> = q
        .skills
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| format!("skills.{x}"))
        .collect();
    Ok(Json(json!({
        "domain": domain,
        "minAccuracyWad": min_acc.to_string(),
        "minCompletionWad": min_comp.to_string(),
        "decayedTo": now,
        "score": "accuracyDecayed × completionDecayed (WAD); ties: more tasks first, then address",
        // skills are off-chain attested dimensions: the chain mirror cannot check them
        "uncheckedRequirements": skills,
        "agents": agents,
    })))
}

fn dispute_cols(s: &Store) -> (String, Vec<(&'static str, K)>) {
    (
        format!(
            "{}, arbitrable, task_id, {}, phase, round, seats, deadline, ruling, solved, delivered, created_block, updated_block",
            s.num_col("dispute_id"),
            s.num_col("bond")
        ),
        vec![
            ("disputeId", K::N),
            ("arbitrable", K::T),
            ("taskId", K::T),
            ("bond", K::N),
            ("phase", K::T),
            ("round", K::I),
            ("seats", K::I),
            ("deadline", K::I),
            ("ruling", K::I),
            ("solved", K::B),
            ("delivered", K::B),
            ("createdBlock", K::I),
            ("updatedBlock", K::I),
        ],
    )
}

/// Query of `GET /disputes`.
#[derive(Debug, Deserialize)]
pub struct DisputesQuery {
    phase: Option<String>,
    task_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn disputes(State(st): State<ApiState>, Query(q): Query<DisputesQuery>) -> R {
    let s = &st.store;
    let (limit, offset) = limit_offset(q.limit, q.offset)?;
    let (cols, spec) = dispute_cols(s);
    let mut conds = Vec::new();
    let mut binds = Vec::new();
    if let Some(p) = &q.phase {
        let name = PHASE_NAMES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(p))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "phase must be one of {}",
                    PHASE_NAMES[1..].join(", ")
                ))
            })?;
        binds.push((*name).to_owned());
        conds.push(format!("phase = ${}", binds.len()));
    }
    if let Some(t) = &q.task_id {
        binds.push(h256(
            B256::from_str(t).map_err(|_| ApiError::bad("task_id must be 0x-hex bytes32"))?,
        ));
        conds.push(format!("task_id = ${}", binds.len()));
    }
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let rows = s
        .json_rows(
            &format!(
                "SELECT {cols} FROM disputes {wh} ORDER BY dispute_id LIMIT {limit} OFFSET {offset}"
            ),
            binds,
            &spec,
        )
        .await?;
    Ok(Json(
        json!({"disputes": rows, "limit": limit, "offset": offset}),
    ))
}

async fn dispute(State(st): State<ApiState>, Path(id): Path<String>) -> R {
    let s = &st.store;
    let id = parse_u256("dispute id", &id)?;
    let (cols, spec) = dispute_cols(s);
    let p = ph(s, 1, true);
    let mut rows = s
        .json_rows(
            &format!("SELECT {cols} FROM disputes WHERE dispute_id = {p}"),
            vec![s.num(id)],
            &spec,
        )
        .await?;
    let Some(mut d) = rows.pop() else {
        return Err(ApiError::not_found(format!("no dispute {id}")));
    };
    let votes = s
        .json_rows(
            &format!(
                "SELECT round, juror, state, commitment, choice, verdict, {}, {}, {}, drawn_block FROM votes WHERE dispute_id = {p} ORDER BY round, juror",
                s.num_col("stake_back"), s.num_col("fee_reward"), s.num_col("stake_reward")
            ),
            vec![s.num(id)],
            &[("round", K::I), ("juror", K::T), ("state", K::T), ("commitment", K::T), ("choice", K::I), ("verdict", K::T),
              ("stakeBack", K::N), ("feeReward", K::N), ("stakeReward", K::N), ("drawnBlock", K::I)],
        )
        .await?;
    let history = s
        .json_rows(&format!("SELECT {HISTORY_COLS} FROM events WHERE dispute_id = {p} ORDER BY block_number, log_index"), vec![s.num(id)], &history_spec())
        .await?;
    d["votes"] = Value::Array(votes);
    d["history"] = Value::Array(history);
    Ok(Json(d))
}
