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
//! ## Agreement (redundant execution)
//!
//! When the step's acceptance names an `agreement {k, measure, threshold_bps}` (issue 13
//! "Agreement"), the delegate reserves `k` payments against the escrow limit, then posts the
//! step as `k` tasks at once: one spec blob, `k` salts, so `k` task ids. It waits until all
//! `k` are submitted, or [`MarketSettings::wait`] passes, or the earliest submitted result's
//! review window is down to its last quarter (so every rejection still lands inside it);
//! tasks nobody delivered are left to expire and reported ([`Unsettled::NotDelivered`]).
//! Each result is evaluated on its own first, and one that fails its checks is rejected
//! with its verdict, as for a single worker. The results that pass are compared with
//! `aos_verify::agreement_checks` (the spec's measure and threshold; one result per worker:
//! a worker's second result of the step is rejected, since agreeing with oneself proves
//! nothing, the rule BOINC calls one result per user per work unit). Each compared verdict
//! gains an `agreement` outcome naming every compared result by its blob id, and is signed
//! again (`Evaluator::append`); the review policy then acts on each: under `auto` the
//! majority is accepted (paid) and the outliers are rejected within the review window with
//! their verdicts as evidence. An inconclusive agreement (a tie, no two results agreeing,
//! fewer than two to compare) blames nobody: the results are left for review
//! ([`Unsettled::LeftForReview`]) and the step has no answer
//! ([`MarketError::NoAgreedAnswer`]). A redundant step is posted once, whatever `max_posts`
//! says: the majority has answered, or re-running the step would cost `k` payments again.
//! With `k = 2` one defector makes a tie, so `k = 3` is the least that outvotes one.
//!
//! **The step's answer** is the majority's representative: of the accepted results in the
//! majority, the one with the highest agreement score (its mean similarity to the other
//! results), then the highest verdict score, then the lowest result blob id. That is
//! deterministic, and under `exact` agreement it is the majority's text up to case and
//! whitespace. [`Delivered::agreeing`] lists the other paid results.
//!
//! A juror of an outlier's dispute finds in the verdict blob the ids of the other results.
//! Recomputing the agreement from them (fetch each, check it names the same spec hash, run
//! `agreement_checks` over the same set and `Evaluator::append`, compare) is the juror
//! agent's work (DESIGN.md "Version 2", juror agent).
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
use alloy::sol_types::SolValue;
use aos_chain::{AosContracts, TaskParams, TaskStatus, domain_to_bytes32, task_id_of};
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

mod agreement;

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
        "posting sub-task payments of {payment_wei} wei would escrow {would_wei} wei in total, above the limit of {max_wei} wei (--max-escrow)"
    )]
    OverBudget {
        /// This posting's payments, wei (`k` payments for a redundant step).
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
        /// What failed (boxed: the error stays small).
        source: Box<aos_verify::EvalError>,
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
    #[error(
        "{} result(s) of the step rejected for failing its acceptance checks{}",
        rejections.len(),
        then.as_ref().map(|e| format!("; then: {e}")).unwrap_or_default()
    )]
    AllRejected {
        /// The rejections, in order.
        rejections: Vec<Rejection>,
        /// What ended the step after them, when it was not the last posting's rejection
        /// (the escrow limit, nobody delivering, …).
        then: Option<Box<MarketError>>,
    },
    /// A redundant step (module docs, *Agreement*) ended without an accepted answer: no
    /// majority agreed, fewer than two results could be compared, every result failed
    /// its checks, or the policy `ask` left them for review.
    #[error("no accepted answer from the step's redundant tasks: {}", .0.reason)]
    NoAgreedAnswer(Box<Unanswered>),
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
            | Self::NoAgreedAnswer(_)
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

/// A result accepted (and so paid) besides the one a [`Delivered`] carries: the other
/// members of the majority under agreement (module docs, *Agreement*).
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    /// The on-chain task.
    pub task_id: B256,
    /// The worker paid.
    pub worker: Address,
    /// Its result blob's id (`resultHash` on chain).
    pub result_hash: B256,
    /// The coordinator's verdict on it.
    pub verdict: Verdict,
}

/// A task of a redundant step (module docs, *Agreement*) the delegate neither accepted
/// nor rejected.
#[derive(Debug, Clone)]
pub enum Unsettled {
    /// Nobody submitted within [`MarketSettings::wait`] (or before the first result's
    /// review window ran short): the task is left to expire (`expire` refunds the payment,
    /// and the stake of a worker who claimed and did not deliver).
    NotDelivered {
        /// The on-chain task.
        task_id: B256,
        /// Its status when the delegate stopped waiting.
        status: TaskStatus,
    },
    /// Left for the requester (`aos task review`): the review policy is `ask`, or the
    /// agreement was inconclusive and so blames nobody. Without a decision the result
    /// finalizes in the worker's favour after the review window.
    LeftForReview {
        /// The on-chain task.
        task_id: B256,
        /// The worker.
        worker: Address,
        /// The coordinator's verdict.
        verdict: Box<Verdict>,
    },
    /// The result could not be reviewed or acted on (its blob missing or malformed, the
    /// evaluation or the accept/reject transaction failed).
    Failed {
        /// The on-chain task.
        task_id: B256,
        /// The worker.
        worker: Address,
        /// What failed.
        error: Arc<MarketError>,
    },
}

impl Unsettled {
    /// The on-chain task.
    pub fn task_id(&self) -> B256 {
        match self {
            Self::NotDelivered { task_id, .. }
            | Self::LeftForReview { task_id, .. }
            | Self::Failed { task_id, .. } => *task_id,
        }
    }
}

impl std::fmt::Display for Unsettled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotDelivered { task_id, status } => write!(
                f,
                "task {task_id:#x} was not delivered (status {}); left to expire",
                status.name()
            ),
            Self::LeftForReview {
                task_id, worker, ..
            } => write!(
                f,
                "task {task_id:#x} by {worker:#x} is left for review (`aos task review {task_id:#x}`)"
            ),
            Self::Failed {
                task_id,
                worker,
                error,
            } => write!(
                f,
                "task {task_id:#x} by {worker:#x} could not be settled: {}",
                crate::service::error_chain(error.as_ref())
            ),
        }
    }
}

/// What a redundant step without an answer left behind ([`MarketError::NoAgreedAnswer`]).
#[derive(Debug, Clone)]
pub struct Unanswered {
    /// Why, in words (the agreement rule's reason when it was inconclusive).
    pub reason: String,
    /// Results rejected with evidence (failing checks, one worker's second result).
    pub rejections: Vec<Rejection>,
    /// The step's other tasks: not delivered, left for review, or failed to settle.
    pub unsettled: Vec<Unsettled>,
}

/// A step's accepted delivery: the step's answer.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The worker's output: the step's answer.
    pub output: String,
    /// The accepted task's terms.
    pub params: TaskParams,
    /// The worker paid.
    pub worker: Address,
    /// The coordinator's verdict on it.
    pub verdict: Verdict,
    /// Results of the step rejected with evidence: earlier postings (one worker at a
    /// time), or failing results and outliers (agreement).
    pub rejected: Vec<Rejection>,
    /// Agreement: the other accepted results of the majority (also paid).
    pub agreeing: Vec<Accepted>,
    /// Agreement: the step's tasks neither accepted nor rejected.
    pub unsettled: Vec<Unsettled>,
}

/// A posted task.
#[derive(Debug, Clone)]
struct Posted {
    task_id: B256,
    params: TaskParams,
}

/// A submitted result, fetched, checked against its hash and evaluated.
#[derive(Debug, Clone)]
struct Submission {
    posted: Posted,
    worker: Address,
    result_hash: B256,
    output: String,
    verdict: Verdict,
}

/// One poll of a posted task.
enum Polled {
    /// A worker submitted this result.
    Submitted {
        result_hash: B256,
        worker: Address,
        /// End of the review window, chain time (unix s).
        review_deadline_s: u64,
    },
    /// Still open or claimed.
    Pending(TaskStatus),
    /// Over without a submission (expired, failed, cancelled).
    Ended(TaskStatus),
}

/// One posting's outcome (one worker at a time).
enum Reviewed {
    Accepted(Box<Delivered>),
    Rejected(Box<Rejection>),
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

/// Gives back `payment_wei` reserved with [`reserve`] that was not escrowed after all.
fn release(escrowed: &Mutex<u128>, payment_wei: u128) {
    let mut e = escrowed.lock().unwrap_or_else(|p| p.into_inner());
    *e = e.saturating_sub(payment_wei);
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
    /// delivery, with the rejections before it. When the delegation's acceptance asks for
    /// an agreement, the step goes to `k` workers at once instead (module docs, *Agreement*).
    ///
    /// # Errors
    /// [`MarketError`]; on [`MarketError::NotDelivered`] the escrow stays until `expire`;
    /// [`MarketError::OverBudget`] before anything is posted when the run's escrow limit
    /// would be passed; [`MarketError::AllRejected`] after `max_posts` rejections;
    /// [`MarketError::AwaitingReview`] under the policy `ask`;
    /// [`MarketError::NoAgreedAnswer`] when a redundant step has no accepted answer.
    pub async fn delegate(&self, d: &Delegation, domain: &str) -> Result<Delivered, MarketError> {
        if let Some(a) = d.task.acceptance.as_ref().and_then(|a| a.agreement) {
            return self.delegate_redundant(d, domain, a).await;
        }
        let mut rejections: Vec<Rejection> = Vec::new();
        // an error after a rejection keeps the rejections: each opened a dispute
        let end = |rejections: Vec<Rejection>, e: MarketError| {
            if rejections.is_empty() {
                e
            } else {
                MarketError::AllRejected {
                    rejections,
                    then: Some(Box::new(e)),
                }
            }
        };
        for _ in 0..self.settings.max_posts.max(1) {
            if let Err(e) = reserve(
                &self.escrowed_wei,
                self.settings.payment_wei,
                self.settings.max_escrow_wei,
            ) {
                return Err(end(rejections, e));
            }
            let excluded: Vec<String> = rejections
                .iter()
                .map(|r| format!("{:#x}", r.worker))
                .collect();
            let posted = match self.publish_spec(d, domain, excluded).await {
                Ok((spec, bytes, id)) => self
                    .post(&bytes, id, domain, 0)
                    .await
                    .map(|posted| (spec, posted)),
                Err(e) => Err(e),
            };
            let (spec, posted) = match posted {
                Ok(p) => p,
                Err(e) => {
                    // nothing was escrowed: give the reservation back
                    release(&self.escrowed_wei, self.settings.payment_wei);
                    return Err(end(rejections, e));
                }
            };
            match self.collect(posted, &spec).await {
                Ok(Reviewed::Accepted(mut got)) => {
                    got.rejected = rejections;
                    return Ok(*got);
                }
                Ok(Reviewed::Rejected(r)) => {
                    tracing::info!(task = %r.task_id, worker = %r.worker, dispute = %r.dispute_id, "result rejected; posting the step again");
                    rejections.push(*r);
                }
                Err(e) => return Err(end(rejections, e)),
            }
        }
        Err(MarketError::AllRejected {
            rejections,
            then: None,
        })
    }

    /// Builds the spec (the delegation's acceptance criteria, `excluded` workers) and
    /// serves its blob on the mesh; returns the spec, its bytes and id.
    async fn publish_spec(
        &self,
        d: &Delegation,
        domain: &str,
        excluded: Vec<String>,
    ) -> Result<(TaskSpec, Vec<u8>, ContentId), MarketError> {
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
        Ok((spec, spec_bytes, spec_id))
    }

    /// Posts a task for the spec blob `spec_bytes` (id `spec_id`) and announces it. Tasks
    /// of one spec differ by their salt: `index` (< 16) is added to 16 × the clock in ms,
    /// so the `k` copies of a redundant step get distinct task ids.
    async fn post(
        &self,
        spec_bytes: &[u8],
        spec_id: ContentId,
        domain: &str,
        index: u64,
    ) -> Result<Posted, MarketError> {
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
            .with_salt(now_ms().wrapping_mul(16).wrapping_add(index))
            .build();
        // the nonce is taken (and persisted) before anything is escrowed
        let nonce = self.nonce.next()?;
        let task_id = self.contracts.post_task(&params).await?.value;
        debug_assert_eq!(task_id, task_id_of(&params));
        let env = TaskAnnouncement {
            params: params.abi_encode(),
            spec: Some(spec_bytes.to_vec()),
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
        Ok(Posted { task_id, params })
    }

    /// The task's state now: submitted (with the result hash from its `TaskSubmitted`
    /// log), pending, or over without a submission.
    async fn poll(&self, task_id: B256) -> Result<Polled, MarketError> {
        let state = self.contracts.task_state(task_id).await?;
        let status = TaskStatus::from_u8(state.status).ok_or_else(|| {
            MarketError::Chain(aos_chain::ChainError::Malformed(format!(
                "status {} of task {task_id:#x}",
                state.status
            )))
        })?;
        if status == TaskStatus::Submitted {
            // the log scan starts at the deployment block (public RPCs cap a query's range)
            return match self.contracts.last_submission(task_id).await? {
                Some((result_hash, worker)) => Ok(Polled::Submitted {
                    result_hash,
                    worker,
                    review_deadline_s: state.deadline.to::<u64>(),
                }),
                None => Err(MarketError::BadResult {
                    task_id,
                    why: "submitted, but no TaskSubmitted event found",
                }),
            };
        }
        Ok(if status.is_final() {
            Polled::Ended(status)
        } else {
            Polled::Pending(status)
        })
    }

    /// Fetches the submitted result blob over the mesh, checks it against its hash and
    /// evaluates it against `spec`.
    async fn review(
        &self,
        posted: Posted,
        result_hash: B256,
        worker: Address,
        spec: &TaskSpec,
    ) -> Result<Submission, MarketError> {
        let task_id = posted.task_id;
        let blob = self.mesh.get_blob(ContentId(result_hash.0)).await?;
        let bad = |why| MarketError::BadResult { task_id, why };
        ContentId(result_hash.0)
            .verify(&blob)
            .map_err(|_| bad("does not hash to the submitted result hash"))?;
        let result = <ResultBlob as aos_protocol::Message>::from_json(&blob)
            .map_err(|_| bad("not a result blob (aos-protocol ResultBlob)"))?;
        let verdict = self
            .evaluator
            .evaluate(
                spec,
                &format!("{:#x}", posted.params.specHash),
                &format!("{result_hash:#x}"),
                &result,
            )
            .await
            .map_err(|source| MarketError::Evaluate {
                task_id,
                source: Box::new(source),
            })?;
        Ok(Submission {
            posted,
            worker,
            result_hash,
            output: result.output,
            verdict,
        })
    }

    /// Rejects `sub` within its review window with its verdict as evidence: the verdict
    /// blob is served on the mesh first (the jurors fetch it), then `reject` cites its id.
    async fn reject(&self, sub: Submission) -> Result<Rejection, MarketError> {
        let (bytes, id) = sub.verdict.to_blob().map_err(MarketError::Verdict)?;
        self.mesh.put_blob(&bytes).await?;
        let dispute_id = self.contracts.reject(&sub.posted.params, id).await?.value;
        Ok(Rejection {
            task_id: sub.posted.task_id,
            worker: sub.worker,
            verdict: sub.verdict,
            verdict_blob: B256::from(id.0),
            dispute_id,
        })
    }

    /// Waits for a worker's result of the posted task, verifies it against its hash,
    /// evaluates it and acts on the verdict.
    async fn collect(&self, posted: Posted, spec: &TaskSpec) -> Result<Reviewed, MarketError> {
        let started = Instant::now();
        let task_id = posted.task_id;
        let (result_hash, worker) = loop {
            let status = match self.poll(task_id).await? {
                Polled::Submitted {
                    result_hash,
                    worker,
                    ..
                } => break (result_hash, worker),
                Polled::Pending(s) | Polled::Ended(s) => s,
            };
            if started.elapsed() > self.settings.wait || status.is_final() {
                return Err(MarketError::NotDelivered {
                    task_id,
                    waited: started.elapsed(),
                    status,
                });
            }
            tokio::time::sleep(POLL).await;
        };
        let sub = self.review(posted, result_hash, worker, spec).await?;
        match self.settings.review.decide(&sub.verdict) {
            Decision::Accept => {
                self.contracts.accept(&sub.posted.params).await?;
                Ok(Reviewed::Accepted(Box::new(Delivered {
                    output: sub.output,
                    params: sub.posted.params,
                    worker: sub.worker,
                    verdict: sub.verdict,
                    rejected: Vec::new(),
                    agreeing: Vec::new(),
                    unsettled: Vec::new(),
                })))
            }
            Decision::Wait => Err(MarketError::AwaitingReview {
                task_id,
                verdict: Box::new(sub.verdict),
            }),
            Decision::Reject => Ok(Reviewed::Rejected(Box::new(self.reject(sub).await?))),
        }
    }
}

/// How often a posted task's state is read while waiting.
const POLL: Duration = Duration::from_millis(250);

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
