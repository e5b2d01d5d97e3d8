//! `GET /tasks` (newest first, every status unless filtered) and `GET /tasks/{id}` (with its
//! history and its evidence).

use alloy::primitives::Address;
use aos_indexer_api::{HistoryEvent, Task, TaskDetail, TaskEvidence, TaskList, TasksQuery};
use axum::{
    Json,
    extract::{Path, State},
};

use super::{ApiError, ApiState, HISTORY_COLS, Q, history_spec, params, typed};
use crate::{
    Store,
    decode::{STATUS_NAMES, addr, h256},
    store::K,
};

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

/// `GET /tasks`: every status unless `status` names one (`any` = every status, as before),
/// newest first (posting block, then task id), paginated.
pub(super) async fn list(
    State(st): State<ApiState>,
    Q(q): Q<TasksQuery>,
) -> Result<Json<TaskList>, ApiError> {
    let s = &st.store;
    let (limit, offset) = params::page(q.limit, q.offset)?;
    let mut conds = Vec::new();
    let mut binds = Vec::new();
    if let Some(status) = q
        .status
        .as_deref()
        .filter(|x| !x.eq_ignore_ascii_case("any"))
    {
        let name = STATUS_NAMES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(status))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "status must be one of {} or any",
                    STATUS_NAMES[1..].join(", ")
                ))
            })?;
        binds.push((*name).to_owned());
        conds.push(format!("status = {}", params::ph(s, binds.len(), false)));
    }
    if let Some(d) = &q.domain {
        binds.push(params::domain(d)?);
        conds.push(format!("domain = {}", params::ph(s, binds.len(), false)));
    }
    if let Some(a) = &q.asset {
        let a = if a.eq_ignore_ascii_case("eth") {
            Address::ZERO
        } else {
            params::addr("asset", a)?
        };
        binds.push(addr(a));
        conds.push(format!("asset = {}", params::ph(s, binds.len(), false)));
    }
    if let Some(m) = &q.min_payment {
        binds.push(s.num(params::u256("min_payment", m)?));
        conds.push(format!("payment >= {}", params::ph(s, binds.len(), true)));
    }
    for (col, v) in [("requester", &q.requester), ("worker", &q.worker)] {
        if let Some(v) = v {
            binds.push(addr(params::addr(col, v)?));
            conds.push(format!("{col} = {}", params::ph(s, binds.len(), false)));
        }
    }
    let (cols, spec) = task_cols(s);
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        "SELECT {cols} FROM tasks {wh} ORDER BY posted_block DESC, task_id LIMIT {limit} OFFSET {offset}"
    );
    let tasks = typed(s.json_rows(&sql, binds, &spec).await?)?;
    Ok(Json(TaskList {
        tasks,
        limit,
        offset,
    }))
}

/// `GET /tasks/{id}`.
pub(super) async fn one(
    State(st): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<TaskDetail>, ApiError> {
    let s = &st.store;
    let id = params::bytes32("task id", &id)?;
    let (cols, spec) = task_cols(s);
    let rows = s
        .json_rows(
            &format!("SELECT {cols} FROM tasks WHERE task_id = $1"),
            vec![h256(id)],
            &spec,
        )
        .await?;
    let Some(task) = typed::<Task>(rows)?.pop() else {
        return Err(ApiError::not_found(format!("no task {id}")));
    };
    let history: Vec<HistoryEvent> = typed(
        s.json_rows(
            &format!(
                "SELECT {HISTORY_COLS} FROM events WHERE task_id = $1 ORDER BY block_number, log_index"
            ),
            vec![h256(id)],
            &history_spec(),
        )
        .await?,
    )?;
    let evidence: Vec<TaskEvidence> = typed(
        s.json_rows(
            "SELECT party, evidence, block_number, tx_hash, log_index FROM evidence \
             WHERE task_id = $1 ORDER BY block_number, log_index",
            vec![h256(id)],
            &[
                ("party", K::T),
                ("evidence", K::T),
                ("blockNumber", K::I),
                ("txHash", K::T),
                ("logIndex", K::I),
            ],
        )
        .await?,
    )?;
    Ok(Json(TaskDetail {
        task,
        history,
        evidence,
    }))
}
