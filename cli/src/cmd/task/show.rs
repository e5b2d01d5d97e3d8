//! `aos task show` and `aos task list`: a task's terms, state, history and evidence; the
//! tasks on chain.

use alloy::primitives::{Address, B256, U256};
use aos_chain::{TaskStatus, domain_to_bytes32};
use eyre::{Result, WrapErr};
use serde_json::{Value, json};

use crate::{
    ctx::Ctx,
    logs::{Posted, task_history, task_terms},
    output::{kv_table, table_with},
    units::{fmt_asset, fmt_deadline},
};

use super::{
    ListArgs,
    terms::{domain_name, terms_json, terms_rows},
};

pub(super) async fn show(ctx: &Ctx, id: B256, gateway: Option<String>) -> Result<()> {
    let c = ctx.reader().await?;
    let posted = task_terms(&c, id).await?;
    let state = c
        .task_state(id)
        .await
        .wrap_err("cannot read the task's state")?;
    let status = aos_chain::status_of(&state)?;
    let history = task_history(&c, id, posted.params.asset).await?;
    let evidence =
        super::evidence::shown(ctx, &c, id, posted.params.requester, state.worker, gateway).await?;
    let now = c.chain_time().await?;
    let deadline: u64 = state.deadline.to();
    ctx.out.emit(
        &json!({
            "task_id": id,
            "posted_block": posted.block,
            "posted_tx": posted.tx,
            "terms": terms_json(&posted.params),
            "state": {
                "status": status.to_string(),
                "worker": state.worker,
                "deadline": deadline,
                "depth": state.depth,
            },
            "history": history,
            "evidence": evidence,
        }),
        || {
            let mut st = vec![("status".to_owned(), status.to_string())];
            if !status.is_final() {
                st.push(("stage deadline".into(), fmt_deadline(deadline, now)));
            }
            if state.worker != Address::ZERO {
                st.insert(1, ("worker".into(), state.worker.to_string()));
            }
            if state.depth > 0 {
                st.push(("depth".into(), state.depth.to_string()));
            }
            let mut h = table_with(&["block", "event", "detail"]);
            for i in &history {
                h.add_row(vec![i.block.to_string(), i.event.clone(), i.detail.clone()]);
            }
            let ev = if evidence.is_empty() {
                "none".to_owned()
            } else {
                let mut t = table_with(&["block", "party", "blob", "kind"]);
                for e in &evidence {
                    let party = match &e.agent {
                        Some(a) => format!("{} {} (agent {a})", e.role, e.party),
                        None => format!("{} {}", e.role, e.party),
                    };
                    t.add_row(vec![
                        e.block_number.to_string(),
                        party,
                        e.evidence.clone(),
                        e.kind
                            .clone()
                            .unwrap_or_else(|| "not readable here (`aos blob get <id>`)".into()),
                    ]);
                }
                t.to_string()
            };
            format!(
                "terms\n{}\nstate\n{}\nhistory\n{h}\nevidence\n{ev}",
                kv_table(terms_rows(id, &posted.params, now, status)),
                kv_table(st)
            )
        },
    );
    Ok(())
}

pub(super) async fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let c = ctx.reader().await?;
    let domain = a
        .domain
        .as_deref()
        .map(domain_to_bytes32)
        .transpose()
        .wrap_err("--domain")?;
    let posted = c
        .posted_tasks(a.requester, domain)
        .await
        .wrap_err("cannot read the posted tasks")?;
    let now = c.chain_time().await?;
    let mut rows: Vec<(Posted, TaskStatus, Address, u64)> = Vec::new();
    for p in posted.into_iter().rev() {
        if rows.len() >= a.limit {
            break;
        }
        let s = c.task_state(p.id).await?;
        let st = TaskStatus::from_u8(s.status).unwrap_or(TaskStatus::None);
        if a.status.is_some_and(|want| want != st) {
            continue;
        }
        rows.push((p, st, s.worker, s.deadline.to()));
    }
    let items: Vec<Value> = rows
        .iter()
        .map(|(p, st, w, d)| {
            json!({
                "task_id": p.id,
                "status": st.to_string(),
                "worker": w,
                "deadline": d,
                "block": p.block,
                "terms": terms_json(&p.params),
            })
        })
        .collect();
    ctx.out.emit(&json!({ "tasks": items }), || {
        if rows.is_empty() {
            return "no tasks match".into();
        }
        let mut t = table_with(&[
            "task id",
            "status",
            "domain",
            "payment",
            "requester",
            "deadline",
        ]);
        for (p, st, _, d) in &rows {
            t.add_row(vec![
                format!("{:#x}", p.id),
                st.to_string(),
                domain_name(p.params.domain),
                fmt_asset(p.params.asset, U256::from(p.params.payment)),
                p.params.requester.to_string(),
                if st.is_final() {
                    "-".into()
                } else {
                    fmt_deadline(*d, now)
                },
            ]);
        }
        t.to_string()
    });
    Ok(())
}
