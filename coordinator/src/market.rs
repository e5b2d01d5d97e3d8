//! Delegation to mesh workers through the market (white paper §4.3, §6.4): the step
//! becomes an on-chain task in the TaskMarket — a sub-task of the task the coordinator is
//! working on when it has one (`parentTaskId`, depth checked by the market) — with its spec
//! blob (a §6.2 task spec, carrying the step's acceptance criteria) served on the mesh and
//! announced on gossip. A worker claims it with a stake, runs it and submits the BLAKE3 hash
//! of its result blob; the coordinator fetches that blob over the mesh, verifies it against
//! the hash, and evaluates it against the spec with aos-verify (issue 13). Under the review
//! policy `auto` a passing result is accepted (which pays the worker and updates its karma,
//! and the delegator's, attenuated); a failing one is rejected within the review window with
//! the signed verdict blob as evidence (the dispute goes to the jury) and the step is
//! posted again with that worker excluded, up to [`MarketSettings::max_posts`] times and
//! within the escrow limit. `ask` leaves the task for `aos task review`; `accept-all`
//! accepts whatever the verdict says.
//!
//! Two things persist across runs: nothing escrows more than
//! [`MarketSettings::max_escrow_wei`] per run, and the announcements' envelope nonce
//! ([`NonceFile`]) keeps growing, so peers do not drop a restarted coordinator's
//! announcements as replays.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::primitives::{Address, B256, U256};
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolEvent, SolValue};
use aos_chain::{
    AosContracts, TaskParams, TaskStatus, domain_to_bytes32, task_id_of, task_market::TaskMarket,
};
use aos_mesh::Topic;
use aos_protocol::{
    AgentKey, ContentId,
    messages::{
        Delegation, Message, MessageError, Money, Requirements, ResultBlob, TaskAnnouncement,
        TaskSpec, Verdict,
    },
};
use aos_verify::{Decision, Evaluator, ReviewPolicy};
use serde::Serialize;

/// A delegation through the market failed.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// A chain call failed.
    #[error("chain")]
    Chain(#[from] aos_chain::ChainError),
    /// The mesh (blobs, gossip) failed.
    #[error("mesh")]
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
    /// The result blob is not the JSON a worker writes, or does not match its hash.
    #[error("result blob of task {task_id} is malformed: {why}")]
    BadResult {
        /// The on-chain task.
        task_id: B256,
        /// What is wrong.
        why: &'static str,
    },
    /// The task spec could not be built (a message rule broken).
    #[error("task spec")]
    Spec(#[source] MessageError),
    /// The karma domain is not a valid `bytes32` domain.
    #[error("karma domain")]
    Domain(#[source] aos_chain::DomainError),
    /// The announcement could not be signed.
    #[error("task announcement")]
    Envelope(#[source] aos_protocol::EnvelopeError),
    /// Posting one more sub-task would escrow more than the run may.
    #[error(
        "posting a sub-task of {payment_wei} wei would escrow {would_wei} wei in total, above the limit of {max_wei} wei (--max-escrow)"
    )]
    OverBudget {
        /// This sub-task's payment, wei.
        payment_wei: u128,
        /// Total escrowed by this run with it, wei.
        would_wei: u128,
        /// The limit, wei.
        max_wei: u128,
    },
    /// The nonce file cannot be read or written.
    #[error("nonce file {path}")]
    NonceFile {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// Evaluating a result failed (no verdict: e.g. a judge that answered nonsense).
    #[error("evaluating the result of task {task_id}")]
    Evaluate {
        /// The on-chain task.
        task_id: B256,
        /// What failed.
        source: aos_verify::EvalError,
    },
    /// The verdict could not be encoded as a blob.
    #[error("verdict blob")]
    Verdict(#[source] MessageError),
    /// The review policy is `ask`: the result waits for the requester (`aos task review`).
    #[error(
        "task {task_id}: the result waits for review (policy ask): `aos task review {task_id}`; verdict: {}",
        if verdict.pass { "pass" } else { "fail" }
    )]
    AwaitingReview {
        /// The on-chain task.
        task_id: B256,
        /// The coordinator's verdict.
        verdict: Box<Verdict>,
    },
    /// Every posting of the step was rejected (the last rejection's verdict is in
    /// `rejections`).
    #[error("every result for the step failed its acceptance checks ({} rejected)", rejections.len())]
    AllRejected {
        /// The rejections, in order.
        rejections: Vec<Rejection>,
    },
    /// The indexer could not be asked, or answered with an error or a body that is not its
    /// API's shape.
    #[error("indexer {url}")]
    Indexer {
        /// The base URL asked.
        url: String,
        /// What failed (transport, API error body, or decoding).
        source: aos_indexer_api::ClientError,
    },
}

impl MarketError {
    /// Whether the same delegation may succeed if tried again later: chain and mesh
    /// transport failures, a task nobody delivered, an unreachable indexer.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain(e) => e.is_retryable(),
            Self::Mesh(e) => e.is_retryable(),
            Self::Indexer { source, .. } => source.is_retryable(),
            Self::NotDelivered { .. } => true,
            Self::Evaluate { source, .. } => source.is_retryable(),
            Self::BadResult { .. }
            | Self::Verdict(_)
            | Self::AwaitingReview { .. }
            | Self::AllRejected { .. }
            | Self::Spec(_)
            | Self::Domain(_)
            | Self::Envelope(_)
            | Self::OverBudget { .. }
            | Self::NonceFile { .. } => false,
        }
    }
}

/// The envelope nonce of this coordinator's announcements, persisted in a file so it grows
/// across restarts (peers drop a nonce they have seen from the same key as a replay, and
/// lower the sender's score), as the worker keeps its own in its database. A missing file
/// starts from the clock in ms, so a lost file never reuses a nonce in practice.
#[derive(Debug)]
pub struct NonceFile {
    path: PathBuf,
    last: Mutex<u64>,
}

impl NonceFile {
    /// Opens (or, on the first [`NonceFile::next`], creates) the nonce file at `path`.
    ///
    /// # Errors
    /// [`MarketError::NonceFile`] when the file exists but cannot be read or is not a
    /// number.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, MarketError> {
        let path = path.into();
        let bad = |source| MarketError::NonceFile {
            path: path.clone(),
            source,
        };
        let last = match std::fs::read_to_string(&path) {
            Ok(s) => s
                .trim()
                .parse::<u64>()
                .map_err(|e| bad(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => now_ms().saturating_sub(1),
            Err(e) => return Err(bad(e)),
        };
        Ok(Self {
            path,
            last: Mutex::new(last),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next nonce, written to the file (through a temporary file and a rename) before
    /// it is returned.
    ///
    /// # Errors
    /// [`MarketError::NonceFile`] when the file cannot be written.
    pub fn next(&self) -> Result<u64, MarketError> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let n = *last + 1;
        let write = || -> std::io::Result<()> {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = self.path.with_extension("tmp");
            std::fs::write(&tmp, n.to_string())?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|source| MarketError::NonceFile {
            path: self.path.clone(),
            source,
        })?;
        *last = n;
        Ok(n)
    }
}

/// Settings of delegation through the market.
#[derive(Debug, Clone)]
pub struct MarketSettings {
    /// Payment per sub-task, wei.
    pub payment_wei: u128,
    /// Most this run may escrow in total, wei (the request's budget in the chain's asset;
    /// the router's USD budget prices mesh steps at $0, so it does not bound this).
    pub max_escrow_wei: u128,
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
    /// What to do with each result's verdict.
    pub review: ReviewPolicy,
    /// Most postings of one step (the first and the re-posts after rejections), ≥ 1.
    pub max_posts: u32,
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self {
            payment_wei: 10_000_000_000_000_000,
            max_escrow_wei: 100_000_000_000_000_000,
            stake_bps: 1000,
            parent_task_id: None,
            claim_window_s: 600,
            work_window_s: 1800,
            wait: Duration::from_secs(600),
            review: ReviewPolicy::Auto,
            max_posts: 3,
        }
    }
}

/// Posts steps as on-chain tasks for mesh workers.
#[derive(Debug)]
pub struct MarketDelegate {
    contracts: AosContracts,
    account: Address,
    mesh: aos_mesh::Client,
    key: AgentKey,
    settings: MarketSettings,
    nonce: NonceFile,
    escrowed_wei: Mutex<u128>,
    evaluator: Arc<Evaluator>,
}

/// A result rejected with evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    /// The on-chain task.
    pub task_id: B256,
    /// The worker whose result failed.
    pub worker: Address,
    /// The signed verdict (also a blob on the mesh, `verdict_blob`).
    pub verdict: Verdict,
    /// The verdict blob's id: the evidence on chain.
    pub verdict_blob: B256,
    /// The dispute the rejection opened.
    pub dispute_id: U256,
}

/// A step's accepted delivery.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The worker's output.
    pub output: String,
    /// The accepted task's terms.
    pub params: TaskParams,
    /// The worker paid.
    pub worker: Address,
    /// The coordinator's verdict on it.
    pub verdict: Verdict,
    /// Earlier postings of the step whose results were rejected.
    pub rejected: Vec<Rejection>,
}

/// One posting's outcome.
enum Reviewed {
    Accepted(Delivered),
    Rejected(Rejection),
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Reserves `payment_wei` of the run's escrow budget `max_wei` in `escrowed`.
fn reserve(escrowed: &Mutex<u128>, payment_wei: u128, max_wei: u128) -> Result<(), MarketError> {
    let mut e = escrowed.lock().unwrap_or_else(|p| p.into_inner());
    let would_wei = e.saturating_add(payment_wei);
    if would_wei > max_wei {
        return Err(MarketError::OverBudget {
            payment_wei,
            would_wei,
            max_wei,
        });
    }
    *e = would_wei;
    Ok(())
}

impl MarketDelegate {
    /// A delegate signing chain transactions as `account` (through `contracts`) and gossip
    /// with `key`, numbering its announcements with `nonce`.
    pub fn new(
        contracts: AosContracts,
        account: Address,
        mesh: aos_mesh::Client,
        key: AgentKey,
        settings: MarketSettings,
        nonce: NonceFile,
        evaluator: Arc<Evaluator>,
    ) -> Self {
        Self {
            contracts,
            account,
            mesh,
            key,
            settings,
            nonce,
            escrowed_wei: Mutex::new(0),
            evaluator,
        }
    }

    /// Total escrowed by this delegate so far, wei.
    pub fn escrowed_wei(&self) -> u128 {
        *self.escrowed_wei.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Post `d` in `domain` as a task, wait for a worker's result, evaluate it against the
    /// spec and act on the verdict by the review policy (module docs): the accepted
    /// delivery, with the rejections before it.
    ///
    /// # Errors
    /// [`MarketError`]; on [`MarketError::NotDelivered`] the escrow stays until `expire`;
    /// [`MarketError::OverBudget`] before anything is posted when the run's escrow limit
    /// would be passed; [`MarketError::AllRejected`] after `max_posts` rejections;
    /// [`MarketError::AwaitingReview`] under the policy `ask`.
    pub async fn delegate(&self, d: &Delegation, domain: &str) -> Result<Delivered, MarketError> {
        let mut rejections: Vec<Rejection> = Vec::new();
        for _ in 0..self.settings.max_posts.max(1) {
            reserve(
                &self.escrowed_wei,
                self.settings.payment_wei,
                self.settings.max_escrow_wei,
            )?;
            let excluded: Vec<String> = rejections
                .iter()
                .map(|r| format!("{:#x}", r.worker))
                .collect();
            let (task_id, params, spec) = match self.post(d, domain, excluded).await {
                Ok(p) => p,
                Err(e) => {
                    // nothing was escrowed: give the reservation back
                    let mut esc = self.escrowed_wei.lock().unwrap_or_else(|p| p.into_inner());
                    *esc = esc.saturating_sub(self.settings.payment_wei);
                    return Err(e);
                }
            };
            match self.collect(task_id, params, &spec).await? {
                Reviewed::Accepted(mut got) => {
                    got.rejected = rejections;
                    return Ok(got);
                }
                Reviewed::Rejected(r) => {
                    tracing::info!(task = %r.task_id, worker = %r.worker, dispute = %r.dispute_id, "result rejected; posting the step again");
                    rejections.push(r);
                }
            }
        }
        Err(MarketError::AllRejected { rejections })
    }

    /// Builds the spec (the delegation's acceptance criteria, `excluded` workers), posts
    /// the task and announces it; returns its id, terms and spec.
    async fn post(
        &self,
        d: &Delegation,
        domain: &str,
        excluded: Vec<String>,
    ) -> Result<(B256, TaskParams, TaskSpec), MarketError> {
        let spec = TaskSpec {
            task_id: d.delegation_id.clone(),
            task_type: domain.to_owned(),
            requester: self.key.agent_id(),
            requirements: Requirements {
                deadline_ms: self.settings.work_window_s * 1000,
                excluded_workers: excluded,
                ..Default::default()
            },
            payment: Money::eth_wei(self.settings.payment_wei),
            input: serde_json::json!({ "prompt": d.task.prompt, "delegation_id": d.delegation_id }),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: now_ms(),
            acceptance: d.task.acceptance.clone(),
            signature: None,
        };
        spec.validate().map_err(MarketError::Spec)?;
        let spec_bytes = spec.to_json().map_err(MarketError::Spec)?;
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
            .with_domain(domain_to_bytes32(domain).map_err(MarketError::Domain)?)
            .with_spec_hash(B256::from(spec_id.0))
            .with_parent_task(self.settings.parent_task_id.unwrap_or(B256::ZERO))
            .with_salt(now_ms())
            .build();
        // the nonce is taken (and persisted) before anything is escrowed
        let nonce = self.nonce.next()?;
        let task_id = self.contracts.post_task(&params).await?.value;
        let env = TaskAnnouncement {
            params: params.abi_encode(),
            spec: Some(spec_bytes),
        }
        .to_envelope(
            &self.key,
            self.contracts.deployments().chain_id,
            nonce,
            now_ms(),
        )
        .map_err(MarketError::Envelope);
        // gossip is best effort: workers also watch the chain
        match env {
            Ok(env) => {
                if let Err(e) = self.mesh.publish(Topic::Tasks, &env).await {
                    tracing::warn!(%e, "task announcement not gossiped; workers will see it on chain");
                }
            }
            Err(e) => {
                tracing::warn!(%e, "task announcement not signed; workers will see it on chain")
            }
        }
        Ok((task_id, params, spec))
    }

    /// Waits for a worker's result of the posted task, verifies it against its hash,
    /// evaluates it and acts on the verdict.
    async fn collect(
        &self,
        task_id: B256,
        params: TaskParams,
        spec: &TaskSpec,
    ) -> Result<Reviewed, MarketError> {
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
                    .map_err(|e| MarketError::Chain(e.into()))?;
                let submitted = logs
                    .iter()
                    .filter_map(|l| TaskMarket::TaskSubmitted::decode_log(&l.inner).ok())
                    .next_back();
                match submitted {
                    Some(ev) => break ev.data.resultHash,
                    None => {
                        return Err(MarketError::BadResult {
                            task_id,
                            why: "submitted, but no TaskSubmitted event found",
                        });
                    }
                }
            }
            if started.elapsed() > self.settings.wait || status.is_final() {
                return Err(MarketError::NotDelivered {
                    task_id,
                    waited: started.elapsed(),
                    status,
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        let blob = self.mesh.get_blob(ContentId(result_hash.0)).await?;
        let bad = |why| MarketError::BadResult { task_id, why };
        ContentId(result_hash.0)
            .verify(&blob)
            .map_err(|_| bad("does not hash to the submitted result hash"))?;
        let result = <ResultBlob as aos_protocol::Message>::from_json(&blob)
            .map_err(|_| bad("not a result blob (aos-protocol ResultBlob)"))?;
        let worker = self.contracts.task_state(task_id).await?.worker;
        let verdict = self
            .evaluator
            .evaluate(
                spec,
                &format!("{:#x}", params.specHash),
                &format!("{result_hash:#x}"),
                &result,
            )
            .await
            .map_err(|source| MarketError::Evaluate { task_id, source })?;
        debug_assert_eq!(task_id, task_id_of(&params));
        match self.settings.review.decide(&verdict) {
            Decision::Accept => {
                self.contracts.accept(&params).await?;
                Ok(Reviewed::Accepted(Delivered {
                    output: result.output,
                    params,
                    worker,
                    verdict,
                    rejected: Vec::new(),
                }))
            }
            Decision::Wait => Err(MarketError::AwaitingReview {
                task_id,
                verdict: Box::new(verdict),
            }),
            Decision::Reject => {
                // the jurors fetch the verdict from the mesh: provide it before citing it
                let (bytes, id) = verdict.to_blob().map_err(MarketError::Verdict)?;
                self.mesh.put_blob(&bytes).await?;
                let dispute_id = self.contracts.reject(&params, id).await?.value;
                Ok(Reviewed::Rejected(Rejection {
                    task_id,
                    worker,
                    verdict,
                    verdict_blob: B256::from(id.0),
                    dispute_id,
                }))
            }
        }
    }
}

/// Mesh workers for `domain`, ranked by the indexer's `GET /route` (score in `[0, 1]`:
/// decayed accuracy × completion), best first.
///
/// # Errors
/// [`MarketError::Indexer`], naming the URL, when the indexer is unreachable or answers
/// badly.
pub async fn workers_from_indexer(
    indexer: &str,
    domain: &str,
) -> Result<Vec<(String, f64)>, MarketError> {
    let route = aos_indexer_api::IndexerClient::new(indexer)
        .route(&aos_indexer_api::RouteQuery {
            domain: Some(domain.to_owned()),
            ..Default::default()
        })
        .await
        .map_err(|source| MarketError::Indexer {
            url: indexer.to_owned(),
            source,
        })?;
    Ok(route
        .agents
        .into_iter()
        .map(|a| (format!("{:#x}", a.agent), a.score.clamp(0.0, 1.0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 12): the announcement nonce started at 0 on every run, so after a
    /// restart peers dropped the coordinator's announcements as replays. The nonce file
    /// keeps it growing: a second run's announcements pass the same replay table.
    #[test]
    fn announcement_nonces_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coordinator/announce.nonce");
        let key = AgentKey::generate();
        let mut seen = aos_protocol::ReplayTable::new(16);
        let mut announce = |nonces: &NonceFile| {
            let env = TaskAnnouncement {
                params: vec![1],
                spec: None,
            }
            .to_envelope(&key, 31337, nonces.next().unwrap(), now_ms())
            .unwrap();
            let r = seen.check(&env.sender, env.nonce, env.timestamp_ms);
            if r.is_ok() {
                seen.record(env.sender, env.nonce, env.timestamp_ms);
            }
            r
        };
        let first_run = NonceFile::open(&path).unwrap();
        announce(&first_run).unwrap();
        announce(&first_run).unwrap();
        drop(first_run);
        let second_run = NonceFile::open(&path).unwrap();
        announce(&second_run).expect("a restarted coordinator's announcement is not a replay");
        // a corrupt file is an error naming the file, not a silent restart from 0
        std::fs::write(&path, "not a number").unwrap();
        let e = NonceFile::open(&path).unwrap_err();
        assert!(matches!(e, MarketError::NonceFile { .. }) && !e.is_retryable());
        assert!(e.to_string().contains("announce.nonce"), "{e}");
    }

    /// Regression (issue 12): the USD budget priced mesh steps at $0, so nothing bounded
    /// what a run escrowed on chain. Each sub-task now reserves its payment against the
    /// run's limit in wei before anything is posted.
    #[test]
    fn escrow_is_bounded_in_wei() {
        let escrowed = Mutex::new(0u128);
        let pay = 10_000_000_000_000_000u128;
        reserve(&escrowed, pay, 2 * pay).unwrap();
        reserve(&escrowed, pay, 2 * pay).unwrap();
        let e = reserve(&escrowed, pay, 2 * pay).unwrap_err();
        assert!(
            matches!(e, MarketError::OverBudget { would_wei, max_wei, .. } if would_wei == 3 * pay && max_wei == 2 * pay)
        );
        assert!(e.to_string().contains("--max-escrow"), "{e}");
        assert_eq!(*escrowed.lock().unwrap(), 2 * pay);
    }

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
