//! A delegation to the mesh creates an on-chain sub-task that a worker takes (real anvil,
//! real libp2p swarms on loopback, the real aos-worker engine with an echo executor).
//! It lives here, not in aos-coordinator's tests, because services never depend on each
//! other (not even as dev-dependencies): this test runs both.

use std::{sync::Arc, time::Duration};

use alloy::primitives::{Address, B256, U256};
use aos_chain::{Devnet, TaskParams, TaskStatus, domain_to_bytes32, task_id_of};
use aos_coordinator::{
    AskOptions, Coordinator, LlmRegistry, MarketDelegate, MarketSettings, NonceFile, Router,
    Services, planner::PlanOutcome,
};
use aos_mesh::MeshConfig;
use aos_protocol::{
    AgentKey,
    messages::{Plan, PlanStep, StepType},
};
use aos_worker::{
    Store, Worker, WorkerParts,
    config::{EchoConfig, ExecutorConfig, WorkerConfig},
    executor::EchoExecutor,
    register::{Manifest, register},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_delegation_is_an_onchain_subtask_a_worker_takes() {
    let net = Devnet::spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let domain = domain_to_bytes32("summarisation").unwrap();

    // a requester (account 3) posts the parent task; the coordinator (account 1) claims it
    let requester = net.contracts(3);
    let now = requester.chain_time().await.unwrap();
    let parent = TaskParams::builder(net.address(3), now)
        .with_payment(50_000_000_000_000_000)
        .with_max_delegation_depth(2)
        .with_domain(domain)
        .with_spec_hash(B256::repeat_byte(1))
        .with_salt(1)
        .build();
    let parent_id = requester.post_task(&parent).await.unwrap().value;
    let coord_key = AgentKey::generate();
    let coord = net.contracts(1);
    coord
        .register_agent(*coord_key.agent_id().as_bytes(), B256::ZERO, [0u8; 64])
        .await
        .unwrap();
    coord.claim(&parent).await.unwrap();
    let (coord_mesh, _) = aos_mesh::spawn(
        &coord_key,
        MeshConfig::new(31337, dir.path().join("coord-blobs")),
    )
    .await
    .unwrap();
    let bootstrap = coord_mesh.listen_addrs().await.unwrap();

    // a worker (account 2) on the mesh, echo executor
    let wkey = AgentKey::generate();
    let wdir = dir.path().join("worker");
    std::fs::create_dir_all(&wdir).unwrap();
    let cfg = WorkerConfig {
        skills: vec!["summarisation".into()],
        domains: vec!["summarisation".into()],
        max_concurrent_tasks: 1,
        data_dir: wdir.clone(),
        poll_interval_ms: 200,
        // the payment stays in the market for the assertion below
        auto_withdraw: false,
        executors: vec![ExecutorConfig::Echo(EchoConfig::default())],
        ..Default::default()
    };
    let wcontracts =
        aos_worker::chain::contracts(&net.rpc_url(), net.signer(2), net.deployments.clone())
            .unwrap();
    register(
        &wcontracts,
        net.address(2),
        &wkey,
        &Manifest::of(&cfg, &wkey),
    )
    .await
    .unwrap();
    let (wmesh, _) = aos_mesh::spawn(
        &wkey,
        MeshConfig::new(31337, wdir.join("blobs")).with_bootstrap(bootstrap),
    )
    .await
    .unwrap();
    let worker = Worker::new(WorkerParts {
        config: cfg,
        contracts: wcontracts,
        account: net.address(2),
        agent_key: wkey.clone(),
        store: Store::open(&wdir.join("worker.db")).await.unwrap(),
        mesh: Some(wmesh.clone()),
        blobs: wmesh.blob_store().clone(),
        executors: vec![Arc::new(EchoExecutor::new(EchoConfig::default()))],
        judge: None,
        events: None,
    });
    let (stop, rx) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move { worker.run(rx).await.unwrap() });

    // the coordinator routes a summarisation step to the mesh worker
    let mut reg = LlmRegistry::default_registry();
    reg.add_mesh_worker(&net.address(2).to_string(), "summarisation", 0.5, 0.0);
    let model = tiny_model();
    let settings = MarketSettings {
        parent_task_id: Some(parent_id),
        wait: Duration::from_secs(90),
        ..MarketSettings::default()
    };
    let evaluator = Arc::new(aos_verify::Evaluator::new(Some(coord_key.clone())));
    let delegate = Arc::new(MarketDelegate::new(
        coord.clone(),
        net.address(1),
        coord_mesh,
        coord_key.clone(),
        settings,
        NonceFile::open(dir.path().join("coord/announce.nonce")).unwrap(),
        evaluator.clone(),
    ));
    let services = Services::new(&reg, model.clone(), |_| None, 5, 64).with_mesh(delegate);
    let c = Coordinator::new(coord_key, model, Router::new(reg), services, evaluator);
    let plan = PlanOutcome {
        plan: Plan {
            request: "Summarise the release notes.".into(),
            steps: vec![PlanStep {
                id: "s1".into(),
                step_type: StepType::from("summarisation".to_owned()),
                description: "Summarise the release notes in one line".into(),
                privacy_required: false,
                estimated_tokens: 500,
                budget: 0.05,
                acceptance: None,
            }],
        },
        fallback: None,
        merged_duplicates: 0,
        raw: String::new(),
        tokens_per_second: 0.0,
        privacy: Default::default(),
    };
    let report = c
        .execute(
            "Summarise the release notes.",
            plan,
            &AskOptions::default(),
            |_| {},
        )
        .await;
    let step = &report.steps[0];
    assert!(step.errors.is_empty(), "{:?}", step.errors);
    assert_eq!(
        step.routes[0].service,
        format!("mesh:{}", net.address(2)),
        "{}",
        step.routes[0].reason
    );
    assert!(
        step.contributions[0].answer.starts_with("echo:"),
        "{:?}",
        step.contributions
    );

    // on chain: a sub-task of the claimed parent, taken and paid
    let posted = coord
        .market
        .TaskPosted_filter()
        .from_block(0)
        .query()
        .await
        .unwrap();
    let (sub, _) = posted
        .iter()
        .find(|(e, _)| e.params.parentTaskId == parent_id)
        .expect("a sub-task was posted");
    let sub_id = task_id_of(&sub.params);
    assert_eq!(
        coord.market.parentOf(sub_id).call().await.unwrap(),
        parent_id
    );
    assert_eq!(
        coord.task_status(sub_id).await.unwrap(),
        TaskStatus::Accepted
    );
    assert_eq!(
        coord.task_state(sub_id).await.unwrap().worker,
        net.address(2)
    );
    assert_eq!(coord.task_state(sub_id).await.unwrap().depth, 1);
    assert!(
        coord
            .market_balance(net.address(2), Address::ZERO)
            .await
            .unwrap()
            > U256::ZERO
    );
    let (w_acc, _) = coord.karma_scores(net.address(2), domain).await.unwrap();
    let (d_acc, _) = coord.karma_scores(net.address(1), domain).await.unwrap();
    assert!(
        w_acc > U256::ZERO && d_acc > U256::ZERO && d_acc < w_acc,
        "karma flows up, attenuated: {w_acc} {d_acc}"
    );

    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
}

/// The tiny random-weight model (script/fetch-model.sh --tiny) behind aos-llm's actor.
fn tiny_model() -> aos_llm::LocalClient {
    let out = std::process::Command::new(aos_tests::root().join("script/fetch-model.sh"))
        .arg("--tiny")
        .output()
        .expect("script/fetch-model.sh runs");
    assert!(
        out.status.success(),
        "fetch-model --tiny: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8(out.stdout).unwrap();
    aos_llm::LocalClient::spawn(
        path.trim(),
        aos_llm::ModelOptions {
            threads: 1,
            n_ctx: 2048,
        },
    )
    .unwrap()
}
