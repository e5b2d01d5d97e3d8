//! `GET /agents/{address}` and `GET /route`.
//!
//! **Ranking** (`GET /route`): for every registered agent with a karma record in the domain,
//! accuracy and completion are decayed to now with `aos_protocol::karma::decay` (the
//! contracts' rule, bit-exact, with the half-life read from `KarmaRegistry`); agents below
//! `min_accuracy` / `min_completion` are dropped; the rest are ordered by
//! `score = accuracy × completion / 1e18` (WAD), then by settled tasks in the domain (more
//! first), then by address.

use alloy::primitives::{Address, B256};
use aos_indexer_api::{Agent, AtQuery, Earning, JurorStake, Karma, RankedAgent, Route, RouteQuery};
use aos_protocol::karma::{WAD, decay, wad_to_f64};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

use super::{ApiError, ApiState, Q, now_s, params, typed};
use crate::{decode::addr, store::K};

/// A `karma` row as stored (the record `KarmaRegistry` emitted, not decayed).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KarmaRow {
    agent: Address,
    domain: B256,
    domain_name: String,
    accuracy: u64,
    completion: u64,
    updated_at: u64,
    tasks: u64,
    disputes_won: u64,
    disputes_lost: u64,
    last_outcome: String,
    updated_block: u64,
}

impl KarmaRow {
    /// The record with its scores decayed to `now`.
    fn view(self, now: u64, half_life_s: u64) -> Karma {
        let elapsed = now.saturating_sub(self.updated_at);
        let da = decay(self.accuracy, elapsed, half_life_s);
        let dc = decay(self.completion, elapsed, half_life_s);
        Karma {
            agent: self.agent,
            domain: self.domain,
            domain_name: self.domain_name,
            updated_at: self.updated_at,
            tasks: self.tasks,
            disputes_won: self.disputes_won,
            disputes_lost: self.disputes_lost,
            last_outcome: self.last_outcome,
            updated_block: self.updated_block,
            accuracy_wad: self.accuracy,
            completion_wad: self.completion,
            accuracy_decayed_wad: da,
            completion_decayed_wad: dc,
            accuracy_decayed: wad_to_f64(da),
            completion_decayed: wad_to_f64(dc),
        }
    }
}

/// An `agents` row.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentRow {
    agent_key: B256,
    manifest_hash: B256,
    registered: bool,
    first_block: u64,
    updated_block: u64,
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

/// `GET /agents/{address}`.
pub(super) async fn agent(
    State(st): State<ApiState>,
    Path(a): Path<String>,
    Q(q): Q<AtQuery>,
) -> Result<Json<Agent>, ApiError> {
    let s = &st.store;
    let account = params::addr("address", &a)?;
    let a = addr(account);
    let now = now_s(&st, q.at).await?;
    let half_life_s = st.karma.half_life_s;
    let row = typed::<AgentRow>(
        s.json_rows(
            "SELECT agent_key, manifest_hash, registered, first_block, updated_block FROM agents WHERE account = $1",
            vec![a.clone()],
            &[("agentKey", K::T), ("manifestHash", K::T), ("registered", K::B), ("firstBlock", K::I), ("updatedBlock", K::I)],
        )
        .await?,
    )?
    .pop();
    let karma: Vec<KarmaRow> = typed(
        s.json_rows(
            &format!("SELECT {KARMA_COLS} FROM karma WHERE agent = $1 ORDER BY domain_name"),
            vec![a.clone()],
            &karma_spec(),
        )
        .await?,
    )?;
    let earnings: Vec<Earning> = typed(
        s.json_rows(
            &format!(
                "SELECT asset, {} FROM earnings WHERE agent = $1 ORDER BY asset",
                s.num_col("total")
            ),
            vec![a.clone()],
            &[("asset", K::T), ("total", K::N)],
        )
        .await?,
    )?;
    let juror = typed::<JurorStake>(
        s.json_rows(
            &format!(
                "SELECT {}, leave_available_at FROM jurors WHERE juror = $1",
                s.num_col("stake")
            ),
            vec![a.clone()],
            &[("stake", K::N), ("leaveAvailableAt", K::I)],
        )
        .await?,
    )?
    .into_iter()
    .next();
    if row.is_none() && karma.is_empty() && juror.is_none() {
        return Err(ApiError::not_found(format!("no agent {a}")));
    }
    Ok(Json(Agent {
        account,
        agent_key: row.as_ref().map(|r| r.agent_key),
        manifest_hash: row.as_ref().map(|r| r.manifest_hash),
        registered: row.as_ref().is_some_and(|r| r.registered),
        first_block: row.as_ref().map(|r| r.first_block),
        updated_block: row.as_ref().map(|r| r.updated_block),
        karma: karma
            .into_iter()
            .map(|k| k.view(now, half_life_s))
            .collect(),
        earnings,
        juror,
        decayed_to: now,
        half_life_seconds: half_life_s,
    }))
}

/// `GET /route`.
pub(super) async fn route(
    State(st): State<ApiState>,
    Q(q): Q<RouteQuery>,
) -> Result<Json<Route>, ApiError> {
    let s = &st.store;
    let domain = params::domain(
        q.domain
            .as_deref()
            .ok_or_else(|| ApiError::bad("domain is required"))?,
    )?;
    let min_acc = params::fraction("min_accuracy", q.min_accuracy.as_deref())?;
    let min_comp = params::fraction("min_completion", q.min_completion.as_deref())?;
    let (limit, _) = params::page(q.limit, None)?;
    let now = now_s(&st, q.at).await?;
    let cols = KARMA_COLS
        .split(", ")
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<KarmaRow> = typed(
        s.json_rows(
            &format!("SELECT {cols} FROM karma k JOIN agents a ON a.account = k.agent WHERE k.domain = $1 AND a.registered = 1"),
            vec![domain.clone()],
            &karma_spec(),
        )
        .await?,
    )?;
    let mut ranked: Vec<(u128, Karma)> = rows
        .into_iter()
        .map(|k| k.view(now, st.karma.half_life_s))
        .filter(|k| k.accuracy_decayed_wad >= min_acc && k.completion_decayed_wad >= min_comp)
        .map(|k| {
            let score = u128::from(k.accuracy_decayed_wad) * u128::from(k.completion_decayed_wad)
                / u128::from(WAD);
            (score, k)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.tasks.cmp(&a.1.tasks))
            .then(a.1.agent.cmp(&b.1.agent))
    });
    let agents = ranked
        .into_iter()
        .take(limit as usize)
        .zip(1u32..)
        .map(|((score, karma), rank)| RankedAgent {
            rank,
            agent: karma.agent,
            score_wad: score,
            score: score as f64 / WAD as f64,
            karma,
        })
        .collect();
    let skills: Vec<String> = q
        .skills
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| format!("skills.{x}"))
        .collect();
    Ok(Json(Route {
        domain: params::bytes32("domain", &domain)?,
        min_accuracy_wad: min_acc,
        min_completion_wad: min_comp,
        decayed_to: now,
        score: "accuracyDecayed × completionDecayed (WAD); ties: more tasks first, then address"
            .into(),
        // skills are off-chain attested dimensions: the chain mirror cannot check them
        unchecked_requirements: skills,
        agents,
    }))
}
