//! Phase 5: the indexer's API read back (tasks by status, the dispute).

use std::collections::BTreeMap;

use alloy::primitives::U256;
use aos_indexer_api::{Dispute, DisputesQuery, TasksQuery};
use eyre::Result;

use super::{
    scene::{Demo, say},
    summary::IndexerSummary,
};

/// Read `/tasks`, `/disputes` and `/disputes/{dispute}`, print what they say.
pub(super) async fn run(demo: &Demo<'_>, dispute: u64) -> Result<(IndexerSummary, Dispute)> {
    let indexer = demo.indexer()?;
    let tasks = indexer
        .tasks(&TasksQuery {
            limit: Some(1000),
            ..TasksQuery::default()
        })
        .await?
        .tasks;
    let disputes = indexer.disputes(&DisputesQuery::default()).await?.disputes;
    let idx_dispute = indexer.dispute(U256::from(dispute)).await?.dispute;
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for t in &tasks {
        *by_status.entry(t.status.clone()).or_default() += 1;
    }
    say(
        demo.ctx,
        format!(
            "   GET /tasks: {} tasks ({})",
            tasks.len(),
            by_status
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    say(
        demo.ctx,
        format!(
            "   GET /disputes/{dispute}: phase {}, ruling {}",
            idx_dispute.phase,
            idx_dispute.ruling.unwrap_or_default()
        ),
    );
    let summary = IndexerSummary {
        tasks: tasks.len(),
        by_status,
        disputes: disputes.len(),
    };
    Ok((summary, idx_dispute))
}
