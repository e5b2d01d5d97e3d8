//! Shared helpers: a requester and workers on a real anvil and real loopback swarms.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256};
use aos_chain::{AosContracts, Devnet, TaskParams, domain_to_bytes32};
use aos_mesh::{MeshConfig, Topic};
use aos_protocol::messages::{Message, Money, Requirements, TaskSpec};
use aos_protocol::{AgentKey, ContentId};
use aos_worker::announce::announcement;
use aos_worker::config::{EchoConfig, ExecutorConfig, WorkerConfig};
use aos_worker::executor::{EchoExecutor, ExecError, Executor, Job, Output};
use aos_worker::register::{Manifest, register};
use aos_worker::{Store, Worker, WorkerEvent, WorkerParts};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub const PAYMENT_WEI: u128 = 10_000_000_000_000_000; // 0.01 ETH

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

pub struct Requester {
    pub key: AgentKey,
    pub mesh: aos_mesh::Client,
    pub contracts: AosContracts,
    pub account: Address,
    pub nonce: u64,
}

impl Requester {
    pub async fn new(net: &Devnet, i: usize, dir: &std::path::Path) -> Self {
        let key = AgentKey::generate();
        let (mesh, _) = aos_mesh::spawn(
            &key,
            MeshConfig::new(net.deployments.chain_id, dir.join("requester-blobs")),
        )
        .await
        .unwrap();
        Self {
            key,
            mesh,
            contracts: net.contracts(i),
            account: net.address(i),
            nonce: 0,
        }
    }

    /// The test spec for `salt`: a one-line summary, no acceptance criteria.
    pub fn task_spec(&self, salt: u64) -> TaskSpec {
        TaskSpec {
            task_id: format!("test-task-{salt}"),
            task_type: "summarisation".into(),
            requester: self.key.agent_id(),
            requirements: Requirements {
                required_skills: vec!["summarisation".into()],
                deadline_ms: 3_600_000,
                ..Default::default()
            },
            payment: Money::eth_wei(PAYMENT_WEI),
            input: serde_json::json!({"prompt": format!("Summarise in one line: task number {salt}.")}),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: now_ms(),
            acceptance: None,
            signature: None,
        }
    }

    /// [`Requester::task_spec`] as its blob bytes.
    pub fn spec(&self, salt: u64) -> Vec<u8> {
        self.task_spec(salt).to_json().unwrap()
    }

    /// Posts a task; puts the spec on the mesh; announces it on gossip when `announce`.
    pub async fn post(&mut self, salt: u64, announce: bool) -> TaskParams {
        let spec = self.task_spec(salt);
        self.post_spec(salt, &spec, announce).await
    }

    /// Posts a task with `spec` (salt `salt`); puts the spec on the mesh; announces it on
    /// gossip when `announce`.
    pub async fn post_spec(&mut self, salt: u64, spec: &TaskSpec, announce: bool) -> TaskParams {
        let bytes = spec.to_json().unwrap();
        let spec_id = self.mesh.put_blob(&bytes).await.unwrap();
        let params = self.post_unpublished(salt, spec, announce).await;
        assert_eq!(ContentId(params.specHash.0), spec_id);
        params
    }

    /// Posts a task with `spec` on chain without putting the spec blob on the mesh (a
    /// requester whose blob is not reachable yet); announces it (spec inline) when
    /// `announce`.
    pub async fn post_unpublished(
        &mut self,
        salt: u64,
        spec: &TaskSpec,
        announce: bool,
    ) -> TaskParams {
        let spec = spec.to_json().unwrap();
        let spec_id = ContentId::of(&spec);
        let now = self.contracts.chain_time().await.unwrap();
        let params = TaskParams::builder(self.account, now)
            .with_payment(PAYMENT_WEI)
            .with_fee_bps(self.contracts.fee_bps().await.unwrap())
            .with_domain(domain_to_bytes32("summarisation").unwrap())
            .with_spec_hash(B256::from(spec_id.0))
            .with_salt(salt)
            .build();
        self.contracts.post_task(&params).await.unwrap();
        if announce {
            self.nonce += 1;
            let env = announcement(&params, Some(spec))
                .to_envelope(&self.key, 31337, self.nonce, now_ms())
                .unwrap();
            self.mesh.publish(Topic::Tasks, &env).await.unwrap();
        }
        params
    }
}

pub struct RunningWorker {
    pub account: Address,
    pub key: AgentKey,
    pub store: Store,
    pub mesh: aos_mesh::Client,
    pub shutdown: watch::Sender<bool>,
    pub handle: JoinHandle<()>,
    pub data_dir: std::path::PathBuf,
}

pub fn worker_config(data_dir: &std::path::Path) -> WorkerConfig {
    WorkerConfig {
        skills: vec!["summarisation".into()],
        domains: vec!["summarisation".into()],
        max_concurrent_tasks: 1,
        data_dir: data_dir.into(),
        poll_interval_ms: 200,
        executors: vec![ExecutorConfig::Echo(EchoConfig::default())],
        ..Default::default()
    }
}

/// Registers account `i` (once) and starts a worker on it.
#[allow(clippy::too_many_arguments)]
pub async fn start_worker(
    net: &Devnet,
    i: usize,
    key: AgentKey,
    data_dir: &std::path::Path,
    bootstrap: Vec<aos_mesh::Multiaddr>,
    executor: Arc<dyn Executor>,
    events: mpsc::Sender<WorkerEvent>,
    do_register: bool,
) -> RunningWorker {
    let cfg = worker_config(data_dir);
    start_worker_with(net, i, key, cfg, bootstrap, executor, events, do_register).await
}

/// [`start_worker`] with a given configuration (its `data_dir` holds the database and blobs).
#[allow(clippy::too_many_arguments)]
pub async fn start_worker_with(
    net: &Devnet,
    i: usize,
    key: AgentKey,
    cfg: WorkerConfig,
    bootstrap: Vec<aos_mesh::Multiaddr>,
    executor: Arc<dyn Executor>,
    events: mpsc::Sender<WorkerEvent>,
    do_register: bool,
) -> RunningWorker {
    let data_dir = cfg.data_dir.clone();
    let data_dir = data_dir.as_path();
    let contracts =
        aos_worker::chain::contracts(&net.rpc_url(), net.signer(i), net.deployments.clone())
            .unwrap();
    let account = net.address(i);
    if do_register {
        register(&contracts, account, &key, &Manifest::of(&cfg, &key))
            .await
            .unwrap();
    }
    std::fs::create_dir_all(data_dir).unwrap();
    let store = Store::open(&data_dir.join("worker.db")).await.unwrap();
    let (mesh, _) = aos_mesh::spawn(
        &key,
        MeshConfig::new(net.deployments.chain_id, data_dir.join("blobs")).with_bootstrap(bootstrap),
    )
    .await
    .unwrap();
    let worker = Worker::new(WorkerParts {
        config: cfg,
        contracts,
        account,
        agent_key: key.clone(),
        store: store.clone(),
        mesh: Some(mesh.clone()),
        blobs: mesh.blob_store().clone(),
        executors: vec![executor],
        judge: None,
        events: Some(events),
    });
    let (tx, rx) = watch::channel(false);
    let handle = tokio::spawn(async move {
        worker.run(rx).await.unwrap();
    });
    RunningWorker {
        account,
        key,
        store,
        mesh,
        shutdown: tx,
        handle,
        data_dir: data_dir.into(),
    }
}

pub fn echo(delay_ms: u64) -> Arc<dyn Executor> {
    Arc::new(EchoExecutor::new(EchoConfig {
        delay_ms,
        task_types: vec![],
    }))
}

/// Answers attempt `n` of a job with `answers[n]` (the last answer once the list runs out),
/// like a model that samples a new answer on each retry.
#[derive(Debug)]
pub struct Scripted {
    pub answers: Vec<String>,
}

#[async_trait::async_trait]
impl Executor for Scripted {
    fn kind(&self) -> &'static str {
        "scripted"
    }
    fn task_types(&self) -> &[String] {
        &[]
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        let i = (job.attempt as usize).min(self.answers.len().saturating_sub(1));
        Ok(Output {
            text: self.answers.get(i).cloned().unwrap_or_default(),
            model: None,
            input_tokens: None,
            output_tokens: None,
        })
    }
}

/// Wraps an executor and records the `Job::attempt` of every run, in order.
#[derive(Debug)]
pub struct Counting {
    pub inner: Arc<dyn Executor>,
    pub runs: Arc<Mutex<Vec<u32>>>,
}

impl Counting {
    /// `inner`, counted; the shared list of attempts it ran.
    pub fn wrap(inner: Arc<dyn Executor>) -> (Arc<dyn Executor>, Arc<Mutex<Vec<u32>>>) {
        let runs = Arc::new(Mutex::new(Vec::new()));
        let me = Self {
            inner,
            runs: Arc::clone(&runs),
        };
        (Arc::new(me), runs)
    }
}

#[async_trait::async_trait]
impl Executor for Counting {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    fn task_types(&self) -> &[String] {
        self.inner.task_types()
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        self.runs.lock().unwrap().push(job.attempt);
        self.inner.run(job).await
    }
}

/// Receives events until `pick` returns `Some`; panics on a `Failed` event or after
/// `timeout`.
pub async fn next_event<T>(
    rx: &mut mpsc::Receiver<WorkerEvent>,
    timeout: Duration,
    mut pick: impl FnMut(&WorkerEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("timed out waiting for a worker event")
            .expect("event channel open");
        if let WorkerEvent::Failed { task_id, error } = &ev {
            panic!("task {task_id} failed: {error}");
        }
        if let Some(t) = pick(&ev) {
            return t;
        }
    }
}

/// Accepts every task of `tasks` once it is Submitted; returns when all are accepted.
pub async fn accept_all(req: &AosContracts, tasks: &[TaskParams], timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut done = vec![false; tasks.len()];
    while done.iter().any(|d| !d) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "tasks not submitted in time: {done:?}"
        );
        for (i, p) in tasks.iter().enumerate() {
            if done[i] {
                continue;
            }
            let s = req.task_status(aos_chain::task_id_of(p)).await.unwrap();
            if s == aos_chain::TaskStatus::Submitted {
                req.accept(p).await.unwrap();
                done[i] = true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
