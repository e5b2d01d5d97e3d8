//! The coordinator's market review end to end (issue 13 "Verified work"): a real anvil
//! devnet, real libp2p swarms on loopback, the real `MarketDelegate` and real `aos-worker`
//! engines in this process (echo workers and the lazy defector).
//!
//! * a result that fails its acceptance checks is rejected within the review window with
//!   the signed verdict as evidence (`Evidence` + `TaskDisputed` on chain), and the step is
//!   posted again without that worker, then taken by an honest one and accepted;
//! * a step with `agreement {k: 3}` goes to three workers: the two that agree are paid,
//!   the outlier is rejected with an `agreement` outcome naming the other results.
//!
//! It lives here, not in the coordinator's tests, because services never depend on each
//! other: this test runs both.

use std::{path::Path, sync::Arc, time::Duration};

use alloy::primitives::{Address, B256, U256};
use aos_chain::{AosContracts, Devnet, TaskStatus};
use aos_coordinator::{Delivered, MarketDelegate, MarketSettings, NonceFile, Rejection};
use aos_mesh::MeshConfig;
use aos_protocol::{
    AgentKey, ContentId, Message, SignedMessage,
    messages::{
        Acceptance, Agreement, AgreementMeasure, Check, DelegatedTask, Delegation,
        DelegationBudget, Privacy, TaskSpec, Verdict,
    },
};
use aos_verify::AGREEMENT;
use aos_worker::{
    Store, Worker, WorkerEvent, WorkerParts,
    config::{EchoConfig, ExecutorConfig, LazyConfig, VerifyConfig, WorkerConfig},
    executor::{EchoExecutor, Executor, lazy::LazyExecutor},
    register::{Manifest, register},
};
use tokio::sync::{mpsc, watch};

const DOMAIN: &str = "summarisation";
/// Longest wait for anything the market does here.
const PATIENCE: Duration = Duration::from_secs(90);

/// The coordinator's side: its chain client, mesh node and market delegate.
struct Coordinator {
    key: AgentKey,
    contracts: AosContracts,
    address: Address,
    mesh: aos_mesh::Client,
    delegate: Arc<MarketDelegate>,
}

async fn coordinator(net: &Devnet, dir: &Path) -> Coordinator {
    // the workers' and the coordinator's decisions, captured per test: printed only when it
    // fails
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn,aos_worker=info,aos_coordinator=info")
        .try_init();
    let key = AgentKey::generate();
    let (mesh, _) = aos_mesh::spawn(&key, MeshConfig::new(31337, dir.join("coord-blobs")))
        .await
        .unwrap();
    let contracts = net.contracts(1);
    let delegate = Arc::new(MarketDelegate::new(
        contracts.clone(),
        net.address(1),
        mesh.clone(),
        key.clone(),
        MarketSettings {
            wait: PATIENCE,
            ..MarketSettings::default()
        },
        NonceFile::open(dir.join("coord/announce.nonce")).unwrap(),
        Arc::new(aos_verify::Evaluator::new(Some(key.clone()))),
    ));
    Coordinator {
        key,
        contracts,
        address: net.address(1),
        mesh,
        delegate,
    }
}

/// An `aos-worker` engine running in this process.
struct RunningWorker {
    address: Address,
    events: mpsc::Receiver<WorkerEvent>,
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

#[derive(Clone, Copy)]
enum Kind {
    Echo,
    Lazy,
}

/// Registers dev account `i` as an agent and runs a worker for it on the mesh (bootstrapped
/// from `coord`), serving the summarisation domain with `max_concurrent_tasks` slots.
async fn start_worker(
    net: &Devnet,
    dir: &Path,
    coord: &Coordinator,
    i: usize,
    kind: Kind,
    slots: usize,
) -> RunningWorker {
    let key = AgentKey::generate();
    let wdir = dir.join(format!("worker-{i}"));
    std::fs::create_dir_all(&wdir).unwrap();
    let (executor, executor_cfg, verify): (Arc<dyn Executor>, _, _) = match kind {
        Kind::Echo => (
            Arc::new(EchoExecutor::new(EchoConfig::default())),
            ExecutorConfig::Echo(EchoConfig::default()),
            VerifyConfig::default(),
        ),
        // the defector does not check its own work (the demo's configuration)
        Kind::Lazy => (
            Arc::new(LazyExecutor::new(Vec::new())),
            ExecutorConfig::Lazy(LazyConfig::default()),
            VerifyConfig {
                self_check: false,
                ..VerifyConfig::default()
            },
        ),
    };
    let cfg = WorkerConfig {
        skills: vec![DOMAIN.into()],
        domains: vec![DOMAIN.into()],
        max_concurrent_tasks: slots,
        data_dir: wdir.clone(),
        poll_interval_ms: 200,
        // payments stay in the market for the assertions
        auto_withdraw: false,
        executors: vec![executor_cfg],
        verify,
        ..Default::default()
    };
    let contracts =
        aos_worker::chain::contracts(&net.rpc_url(), net.signer(i), net.deployments.clone())
            .unwrap();
    register(&contracts, net.address(i), &key, &Manifest::of(&cfg, &key))
        .await
        .unwrap();
    let bootstrap = coord.mesh.listen_addrs().await.unwrap();
    let (mesh, _) = aos_mesh::spawn(
        &key,
        MeshConfig::new(31337, wdir.join("blobs")).with_bootstrap(bootstrap),
    )
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(256);
    let worker = Worker::new(WorkerParts {
        config: cfg,
        contracts,
        account: net.address(i),
        agent_key: key,
        store: Store::open(&wdir.join("worker.db")).await.unwrap(),
        mesh: Some(mesh.clone()),
        blobs: mesh.blob_store().clone(),
        executors: vec![executor],
        judge: None,
        events: Some(tx),
    });
    let (stop, rx) = watch::channel(false);
    let handle = tokio::spawn(async move { worker.run(rx).await.unwrap() });
    RunningWorker {
        address: net.address(i),
        events,
        stop,
        handle,
    }
}

impl RunningWorker {
    /// The first event `pick` maps to something, within [`PATIENCE`].
    async fn wait_for<T>(&mut self, mut pick: impl FnMut(&WorkerEvent) -> Option<T>) -> T {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let e = self.events.recv().await.expect("the worker runs");
                if let Some(t) = pick(&e) {
                    return t;
                }
            }
        })
        .await
        .expect("the worker did it in time")
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(15), self.handle).await;
    }
}

/// A delegation of one summarisation step with `acceptance`.
fn step(coord_key: &AgentKey, acceptance: Acceptance) -> Delegation {
    Delegation {
        delegation_id: "review-step-1".into(),
        from_agent: coord_key.agent_id(),
        to_service: "mesh".into(),
        task: DelegatedTask {
            task_type: DOMAIN.into(),
            prompt: "Summarise the release notes in one line.".into(),
            max_tokens: 64,
            temperature: 0.0,
            acceptance: Some(acceptance),
        },
        budget: DelegationBudget {
            max_cost: 0.05,
            currency: "USD".into(),
        },
        timeout_ms: 90_000,
        privacy: Privacy {
            allow_logging: false,
            strip_pii: false,
        },
        callback: String::new(),
        signature: None,
    }
}

/// Every `TaskPosted` of the market so far: (task id, spec hash), in chain order.
async fn posted(c: &AosContracts) -> Vec<(B256, B256)> {
    c.market
        .TaskPosted_filter()
        .from_block(0)
        .query()
        .await
        .unwrap()
        .into_iter()
        .map(|(e, _)| (e.taskId, e.params.specHash))
        .collect()
}

/// The verdict blob `id` fetched from the coordinator's mesh node: valid, signed, with
/// exactly these bytes.
async fn verdict_blob(coord: &Coordinator, id: B256) -> Verdict {
    let bytes = coord.mesh.get_blob(ContentId(id.0)).await.unwrap();
    ContentId(id.0).verify(&bytes).unwrap();
    let v = Verdict::from_json(&bytes).unwrap();
    v.verify_signature().unwrap();
    v
}

/// Asserts `r` is on chain: its task disputed (dispute `r.dispute_id`), and the
/// requester's `Evidence` naming its verdict blob.
async fn assert_rejected_on_chain(coord: &Coordinator, r: &Rejection) {
    let (task_id, verdict) = (r.task_id, r.verdict_blob);
    assert_eq!(
        coord.contracts.task_status(task_id).await.unwrap(),
        TaskStatus::Disputed
    );
    let disputed = coord
        .contracts
        .market
        .TaskDisputed_filter()
        .topic1(task_id)
        .from_block(0)
        .query()
        .await
        .unwrap();
    assert_eq!(disputed.len(), 1, "one TaskDisputed for {task_id:#x}");
    assert_eq!(disputed[0].0.disputeId, r.dispute_id);
    let evidence = coord.contracts.task_evidence(task_id).await.unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e.party == coord.address && e.evidence == ContentId(verdict.0)),
        "the requester's Evidence names the verdict blob: {evidence:?}"
    );
}

/// (a) The defector's result fails the step's pattern: rejected with evidence, the step
/// posted again without it, taken by an honest worker and accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_step_is_reposted_and_taken_by_another_worker() {
    let net = Devnet::spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let coord = coordinator(&net, dir.path()).await;
    // two slots: the defector could take the re-posted task if the spec did not exclude it
    let mut lazy = start_worker(&net, dir.path(), &coord, 2, Kind::Lazy, 2).await;
    let d = step(
        &coord.key,
        Acceptance {
            checks: vec![Check::Pattern {
                regex: "^echo: ".into(),
                required: true,
            }],
            ..Default::default()
        },
    );
    let delegate = Arc::clone(&coord.delegate);
    let run = tokio::spawn(async move { delegate.delegate(&d, DOMAIN).await });

    let first = lazy
        .wait_for(|e| match e {
            WorkerEvent::Submitted { task_id, .. } => Some(*task_id),
            _ => None,
        })
        .await;
    // the defector's next decision is on the re-posted task: not for it
    let (second, why) = lazy
        .wait_for(|e| match e {
            WorkerEvent::Decided {
                task_id,
                claim,
                reason,
                ..
            } if *task_id != first => Some((*task_id, (*claim, reason.clone()))),
            _ => None,
        })
        .await;
    assert_eq!(
        why,
        (false, Some("the requester excluded this worker".into()))
    );
    let tasks = posted(&coord.contracts).await;
    assert_eq!(
        tasks.iter().map(|t| t.0).collect::<Vec<_>>(),
        [first, second]
    );
    let spec = coord.mesh.get_blob(ContentId(tasks[1].1.0)).await.unwrap();
    let spec = TaskSpec::from_json(&spec).unwrap();
    assert_eq!(
        spec.requirements.excluded_workers,
        [format!("{:#x}", lazy.address)]
    );

    let mut echo = start_worker(&net, dir.path(), &coord, 4, Kind::Echo, 1).await;
    let got: Delivered = tokio::time::timeout(PATIENCE, run)
        .await
        .expect("the delegation ends in time")
        .unwrap()
        .expect("the re-posted step is accepted");
    assert_eq!(got.worker, echo.address);
    assert!(got.output.starts_with("echo: "), "{}", got.output);
    assert!(got.verdict.pass);
    assert_eq!(got.rejected.len(), 1);
    let r = &got.rejected[0];
    assert_eq!((r.task_id, r.worker), (first, lazy.address));
    assert!(!r.verdict.pass);
    let failed: Vec<_> = r.verdict.checks.iter().filter(|c| !c.pass).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].kind, "pattern");
    assert_eq!(verdict_blob(&coord, r.verdict_blob).await, r.verdict);
    assert_rejected_on_chain(&coord, r).await;
    assert_eq!(
        coord.contracts.task_status(second).await.unwrap(),
        TaskStatus::Accepted
    );
    echo.wait_for(|e| {
        matches!(e, WorkerEvent::Paid { task_id, .. } if *task_id == second).then_some(())
    })
    .await;
    assert!(
        coord
            .contracts
            .market_balance(echo.address, Address::ZERO)
            .await
            .unwrap()
            > U256::ZERO
    );
    lazy.stop().await;
    echo.stop().await;
}

/// (b) Agreement with k = 3: two echo workers and the defector each take one of the three
/// tasks (workers start one at a time, each with one slot, which it holds until its task
/// is settled); the two echo results agree and are paid, the defector's is rejected with
/// an `agreement` outcome naming both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_agreement_pays_the_majority_and_rejects_the_outlier() {
    let net = Devnet::spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let coord = coordinator(&net, dir.path()).await;
    let d = step(
        &coord.key,
        Acceptance {
            agreement: Some(Agreement {
                k: 3,
                measure: AgreementMeasure::Exact,
                threshold_bps: 10_000,
            }),
            ..Default::default()
        },
    );
    let delegate = Arc::clone(&coord.delegate);
    let run = tokio::spawn(async move { delegate.delegate(&d, DOMAIN).await });

    let mut workers = Vec::new();
    for (i, kind) in [(2, Kind::Echo), (4, Kind::Echo), (5, Kind::Lazy)] {
        let mut w = start_worker(&net, dir.path(), &coord, i, kind, 1).await;
        let claimed = w
            .wait_for(|e| match e {
                WorkerEvent::Claimed(t) => Some(*t),
                _ => None,
            })
            .await;
        workers.push((w, claimed));
    }
    let got: Delivered = tokio::time::timeout(PATIENCE, run)
        .await
        .expect("the delegation ends in time")
        .unwrap()
        .expect("the majority answers the step");
    assert_eq!(
        coord.delegate.escrowed_wei(),
        3 * MarketSettings::default().payment_wei,
        "k payments reserved"
    );
    // one spec blob, three tasks
    let tasks = posted(&coord.contracts).await;
    assert_eq!(tasks.len(), 3);
    assert!(tasks.iter().all(|t| t.1 == tasks[0].1));
    let mut claimed: Vec<B256> = workers.iter().map(|w| w.1).collect();
    claimed.sort();
    let mut all: Vec<B256> = tasks.iter().map(|t| t.0).collect();
    all.sort();
    assert_eq!(claimed, all, "each worker took one task");

    let (echo_a, echo_b, lazy) = (&workers[0], &workers[1], &workers[2]);
    assert!(got.output.starts_with("echo: "), "{}", got.output);
    assert!(got.unsettled.is_empty(), "{:?}", got.unsettled);
    assert_eq!(got.agreeing.len(), 1);
    let mut paid = vec![got.worker, got.agreeing[0].worker];
    paid.sort();
    let mut echoes = vec![echo_a.0.address, echo_b.0.address];
    echoes.sort();
    assert_eq!(paid, echoes);
    for (w, task) in [echo_a, echo_b] {
        assert_eq!(
            coord.contracts.task_status(*task).await.unwrap(),
            TaskStatus::Accepted
        );
        assert!(
            coord
                .contracts
                .market_balance(w.address, Address::ZERO)
                .await
                .unwrap()
                > U256::ZERO
        );
    }
    assert!(got.verdict.pass && got.agreeing[0].verdict.pass);
    let agreed = got.verdict.checks.last().unwrap();
    assert!(agreed.kind == AGREEMENT && agreed.pass, "{agreed:?}");

    assert_eq!(got.rejected.len(), 1);
    let r = &got.rejected[0];
    assert_eq!((r.task_id, r.worker), (lazy.1, lazy.0.address));
    assert!(!r.verdict.pass);
    let outcome = r.verdict.checks.last().unwrap();
    assert_eq!(outcome.kind, AGREEMENT);
    assert!(!outcome.pass);
    // the evidence names the other answers, so a juror can fetch them
    for other in [
        &got.verdict.result_hash,
        &got.agreeing[0].verdict.result_hash,
    ] {
        assert!(
            outcome.reason.contains(other.as_str()),
            "{}",
            outcome.reason
        );
        let id: ContentId = other.parse().unwrap();
        coord
            .mesh
            .get_blob(id)
            .await
            .expect("the other result is fetchable");
    }
    assert_eq!(verdict_blob(&coord, r.verdict_blob).await, r.verdict);
    assert_rejected_on_chain(&coord, r).await;
    for (w, _) in workers {
        w.stop().await;
    }
}
