//! Delegation to mesh workers (white paper §4.3, §6.4): the step becomes an on-chain task in
//! the TaskMarket — a sub-task of the task the coordinator is working on when it has one
//! (`parentTaskId`, depth checked by the market) — with its spec blob (a §6.2 task spec)
//! served on the mesh and announced on gossip. A worker claims it with a stake, runs it and
//! submits the BLAKE3 hash of its result blob; the coordinator fetches that blob over the
//! mesh, verifies it against the hash, and accepts (which pays the worker and updates its
//! karma, and the delegator's, attenuated).

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::{
    primitives::{Address, B256},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use aos_chain::{
    AosContracts, TaskParams, TaskStatus, domain_to_bytes32, task_id_of, task_market::TaskMarket,
};
use aos_mesh::Topic;
use aos_protocol::{
    AgentKey, ContentId,
    messages::{Delegation, Message, Money, Requirements, TaskSpec},
};
use aos_worker::TaskAnnouncement;

/// A mesh delegation failed.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// A chain call failed.
    #[error("chain: {0}")]
    Chain(#[from] aos_chain::ChainError),
    /// The mesh failed.
    #[error("mesh: {0}")]
    Mesh(#[from] aos_mesh::MeshError),
    /// Nobody delivered before the deadline; the task can be expired for a refund.
    #[error("no worker delivered task {task_id} within {waited:?} (status {status:?})")]
    NotDelivered {
        /// The on-chain task.
        task_id: B256,
        /// How long we waited.
        waited: Duration,
        /// Its status then.
        status: TaskStatus,
    },
    /// The result blob is not the JSON a worker writes.
    #[error("result blob of task {0} is malformed")]
    BadResult(B256),
    /// The spec could not be built.
    #[error("spec: {0}")]
    Spec(String),
}

/// Settings of mesh delegation.
#[derive(Debug, Clone)]
pub struct MeshSettings {
    /// Payment per sub-task, wei.
    pub payment_wei: u128,
    /// Worker stake, bps of the payment.
    pub stake_bps: u16,
    /// The task the coordinator is working on, if any: sub-tasks hang below it.
    pub parent_task_id: Option<B256>,
    /// Seconds workers have to claim, and then to deliver.
    pub claim_window_s: u64,
    /// Seconds to deliver after the claim window.
    pub work_window_s: u64,
    /// How long to wait for a delivery before giving up.
    pub wait: Duration,
}

impl Default for MeshSettings {
    fn default() -> Self {
        Self {
            payment_wei: 10_000_000_000_000_000,
            stake_bps: 1000,
            parent_task_id: None,
            claim_window_s: 600,
            work_window_s: 1800,
            wait: Duration::from_secs(600),
        }
    }
}

/// Posts steps as on-chain tasks for mesh workers.
#[derive(Debug)]
pub struct MeshDelegate {
    contracts: AosContracts,
    account: Address,
    mesh: aos_mesh::Client,
    key: AgentKey,
    settings: MeshSettings,
    nonce: AtomicU64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

impl MeshDelegate {
    /// A delegate signing chain transactions as `account` (through `contracts`) and gossip
    /// with `key`.
    pub fn new(
        contracts: AosContracts,
        account: Address,
        mesh: aos_mesh::Client,
        key: AgentKey,
        settings: MeshSettings,
    ) -> Self {
        Self {
            contracts,
            account,
            mesh,
            key,
            settings,
            nonce: AtomicU64::new(0),
        }
    }

    /// Post `d` in `domain` as a task, wait for a worker's result, accept it, return the
    /// worker's output and the task's terms.
    ///
    /// # Errors
    /// [`MeshError`]; on [`MeshError::NotDelivered`] the escrow stays until `expire`.
    pub async fn delegate(
        &self,
        d: &Delegation,
        domain: &str,
    ) -> Result<(String, TaskParams), MeshError> {
        let spec = TaskSpec {
            task_id: d.delegation_id.clone(),
            task_type: domain.to_owned(),
            requester: self.key.agent_id(),
            requirements: Requirements {
                deadline_ms: self.settings.work_window_s * 1000,
                ..Default::default()
            },
            payment: Money {
                amount: self.settings.payment_wei as f64 / 1e18,
                currency: "ETH".into(),
            },
            input: serde_json::json!({ "prompt": d.task.prompt, "delegation_id": d.delegation_id }),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: now_ms(),
            signature: None,
        };
        spec.validate()
            .map_err(|e| MeshError::Spec(e.to_string()))?;
        let spec_bytes = spec.to_json().map_err(|e| MeshError::Spec(e.to_string()))?;
        let spec_id = self.mesh.put_blob(&spec_bytes).await?;
        let now = self.contracts.chain_time().await?;
        let params = TaskParams::builder(self.account, now)
            .with_payment(self.settings.payment_wei)
            .with_stake_bps(self.settings.stake_bps)
            .with_fee_bps(self.contracts.fee_bps().await?)
            .with_claim_in(Duration::from_secs(self.settings.claim_window_s))
            .with_complete_in(Duration::from_secs(
                self.settings.claim_window_s + self.settings.work_window_s,
            ))
            .with_domain(domain_to_bytes32(domain).map_err(|e| MeshError::Spec(e.to_string()))?)
            .with_spec_hash(B256::from(spec_id.0))
            .with_parent_task(self.settings.parent_task_id.unwrap_or(B256::ZERO))
            .with_salt(now_ms())
            .build();
        let task_id = self.contracts.post_task(&params).await?.value;
        let nonce = self.nonce.fetch_add(1, Ordering::Relaxed) + 1;
        let env = TaskAnnouncement {
            params: params.clone(),
            spec: Some(spec_bytes),
        }
        .to_envelope(
            &self.key,
            self.contracts.deployments().chain_id,
            nonce,
            now_ms(),
        )
        .map_err(|e| MeshError::Spec(e.to_string()))?;
        // gossip is best effort: workers also watch the chain
        if let Err(e) = self.mesh.publish(Topic::Tasks, &env).await {
            tracing::warn!(%e, "task announcement not gossiped; workers will see it on chain");
        }
        let started = Instant::now();
        let result_hash = loop {
            let status = self.contracts.task_status(task_id).await?;
            if status == TaskStatus::Submitted {
                // from the deployment block, not block 0 (public RPCs cap a query's range)
                let filter = Filter::new()
                    .address(self.contracts.deployments().task_market)
                    .event_signature(TaskMarket::TaskSubmitted::SIGNATURE_HASH)
                    .topic1(task_id);
                let logs = self
                    .contracts
                    .scan_logs(&filter)
                    .await
                    .map_err(|e| MeshError::Chain(e.into()))?;
                let submitted = logs
                    .iter()
                    .filter_map(|l| TaskMarket::TaskSubmitted::decode_log(&l.inner).ok())
                    .last();
                match submitted {
                    Some(ev) => break ev.data.resultHash,
                    None => return Err(MeshError::BadResult(task_id)),
                }
            }
            if started.elapsed() > self.settings.wait || status.is_final() {
                return Err(MeshError::NotDelivered {
                    task_id,
                    waited: started.elapsed(),
                    status,
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        let blob = self.mesh.get_blob(ContentId(result_hash.0)).await?;
        ContentId(result_hash.0)
            .verify(&blob)
            .map_err(|_| MeshError::BadResult(task_id))?;
        let output =
            <aos_protocol::messages::ResultBlob as aos_protocol::Message>::from_json(&blob)
                .map_err(|_| MeshError::BadResult(task_id))?
                .output;
        self.contracts.accept(&params).await?;
        debug_assert_eq!(task_id, task_id_of(&params));
        Ok((output, params))
    }
}

/// Mesh workers for `domain`, ranked by the indexer's `GET /route` (score in `[0, 1]`:
/// decayed accuracy × completion), best first.
///
/// # Errors
/// [`MeshError::Spec`] naming the URL when the indexer is unreachable or answers badly.
pub async fn workers_from_indexer(
    indexer: &str,
    domain: &str,
) -> Result<Vec<(String, f64)>, MeshError> {
    let route = aos_indexer_api::IndexerClient::new(indexer)
        .route(&aos_indexer_api::RouteQuery {
            domain: Some(domain.to_owned()),
            ..Default::default()
        })
        .await
        .map_err(|e| MeshError::Spec(e.to_string()))?;
    Ok(route
        .agents
        .into_iter()
        .map(|a| (format!("{:#x}", a.agent), a.score.clamp(0.0, 1.0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_the_indexers_route_answer() {
        use aos_indexer_api::{Karma, RankedAgent, Route};
        use axum::{Json, Router, extract::Query, routing::get};
        fn ranked(rank: u32, byte: u8, score_wad: u128) -> RankedAgent {
            let agent = Address::with_last_byte(byte);
            RankedAgent {
                rank,
                agent,
                score_wad,
                score: score_wad as f64 / 1e18,
                karma: Karma {
                    agent,
                    domain: Default::default(),
                    domain_name: "summarisation".into(),
                    updated_at: 0,
                    tasks: 1,
                    disputes_won: 0,
                    disputes_lost: 0,
                    last_outcome: "Accepted".into(),
                    updated_block: 1,
                    accuracy_wad: 0,
                    completion_wad: 0,
                    accuracy_decayed_wad: 0,
                    completion_decayed_wad: 0,
                    accuracy_decayed: 0.0,
                    completion_decayed: 0.0,
                },
            }
        }
        async fn route(Query(q): Query<std::collections::HashMap<String, String>>) -> Json<Route> {
            assert_eq!(q["domain"], "summarisation");
            Json(Route {
                domain: Default::default(),
                min_accuracy_wad: 0,
                min_completion_wad: 0,
                decayed_to: 0,
                score: String::new(),
                unchecked_requirements: vec![],
                agents: vec![
                    ranked(1, 0xaa, 810_000_000_000_000_000),
                    ranked(2, 0xbb, 10_000_000_000_000_000),
                ],
            })
        }
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(l, Router::new().route("/route", get(route)))
                .await
                .unwrap()
        });
        let w = workers_from_indexer(&format!("http://{addr}/"), "summarisation")
            .await
            .unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(
            w[0],
            (
                "0x00000000000000000000000000000000000000aa".to_owned(),
                0.81
            )
        );
        assert!(
            workers_from_indexer("http://127.0.0.1:1", "x")
                .await
                .unwrap_err()
                .to_string()
                .contains("127.0.0.1:1")
        );
    }
}
