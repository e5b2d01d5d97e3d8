//! `GET /disputes` and `GET /disputes/{id}`.

use aos_indexer_api::{Dispute, DisputeDetail, DisputeList, DisputesQuery, HistoryEvent, Vote};
use axum::{
    Json,
    extract::{Path, State},
};

use super::{ApiError, ApiState, HISTORY_COLS, Q, history_spec, params, typed};
use crate::{
    Store,
    decode::{PHASE_NAMES, h256},
    store::K,
};

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

/// `GET /disputes`: by id, paginated.
pub(super) async fn list(
    State(st): State<ApiState>,
    Q(q): Q<DisputesQuery>,
) -> Result<Json<DisputeList>, ApiError> {
    let s = &st.store;
    let (limit, offset) = params::page(q.limit, q.offset)?;
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
        binds.push(h256(params::bytes32("task_id", t)?));
        conds.push(format!("task_id = ${}", binds.len()));
    }
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let disputes = typed(
        s.json_rows(
            &format!(
                "SELECT {cols} FROM disputes {wh} ORDER BY dispute_id LIMIT {limit} OFFSET {offset}"
            ),
            binds,
            &spec,
        )
        .await?,
    )?;
    Ok(Json(DisputeList {
        disputes,
        limit,
        offset,
    }))
}

/// `GET /disputes/{id}`: with every round's seats and the history.
pub(super) async fn one(
    State(st): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<DisputeDetail>, ApiError> {
    let s = &st.store;
    let id = params::u256("dispute id", &id)?;
    let (cols, spec) = dispute_cols(s);
    let p = params::ph(s, 1, true);
    let rows = s
        .json_rows(
            &format!("SELECT {cols} FROM disputes WHERE dispute_id = {p}"),
            vec![s.num(id)],
            &spec,
        )
        .await?;
    let Some(dispute) = typed::<Dispute>(rows)?.pop() else {
        return Err(ApiError::not_found(format!("no dispute {id}")));
    };
    let votes: Vec<Vote> = typed(s
        .json_rows(
            &format!(
                "SELECT round, juror, state, commitment, choice, verdict, {}, {}, {}, drawn_block FROM votes WHERE dispute_id = {p} ORDER BY round, juror",
                s.num_col("stake_back"), s.num_col("fee_reward"), s.num_col("stake_reward")
            ),
            vec![s.num(id)],
            &[("round", K::I), ("juror", K::T), ("state", K::T), ("commitment", K::T), ("choice", K::I), ("verdict", K::T),
              ("stakeBack", K::N), ("feeReward", K::N), ("stakeReward", K::N), ("drawnBlock", K::I)],
        )
        .await?)?;
    let history: Vec<HistoryEvent> = typed(
        s.json_rows(
            &format!(
                "SELECT {HISTORY_COLS} FROM events WHERE dispute_id = {p} ORDER BY block_number, log_index"
            ),
            vec![s.num(id)],
            &history_spec(),
        )
        .await?,
    )?;
    Ok(Json(DisputeDetail {
        dispute,
        votes,
        history,
    }))
}
