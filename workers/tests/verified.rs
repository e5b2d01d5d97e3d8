//! Verified work on the worker's side (issue 13 "Worker side"), on a real anvil and real
//! loopback swarms: the worker checks its own result against the spec's `acceptance`
//! before submitting (bounded retries, the best result submitted, its verdict stored),
//! refuses tasks whose checks it cannot run or that exclude it, and answers a dispute with
//! its stored verdict as evidence, once.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy::primitives::B256;
use aos_chain::{Devnet, TaskStatus, task_id_of};
use aos_protocol::messages::{Acceptance, Check, Message, ResultBlob, Rubric, TaskSpec, Verdict};
use aos_protocol::{AgentKey, ContentId, SignedMessage};
use aos_worker::config::WorkerConfig;
use aos_worker::executor::Executor;
use aos_worker::{TaskPhase, WorkerEvent};
use common::*;
use tokio::sync::mpsc;

/// How long a task may take from posting to submission here.
const SUBMIT_WITHIN: Duration = Duration::from_secs(60);

/// A required pattern.
fn required(regex: &str) -> Check {
    Check::Pattern {
        regex: regex.into(),
        required: true,
    }
}

/// A requester and one registered worker (account 2) on a fresh devnet.
struct Market {
    // field order: the worker and requester stop before anvil does
    w: RunningWorker,
    req: Requester,
    rx: mpsc::Receiver<WorkerEvent>,
    runs: Arc<Mutex<Vec<u32>>>,
    net: Devnet,
    dir: tempfile::TempDir,
}

impl Market {
    /// Starts it all; `configure` edits the worker's configuration.
    async fn start(executor: Arc<dyn Executor>, configure: impl FnOnce(&mut WorkerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let net = Devnet::spawn().await.expect("devnet");
        let req = Requester::new(&net, 1, dir.path()).await;
        let boot = req.mesh.listen_addrs().await.unwrap();
        let (tx, rx) = mpsc::channel(1024);
        let mut cfg = worker_config(&dir.path().join("w"));
        configure(&mut cfg);
        let (executor, runs) = Counting::wrap(executor);
        let w =
            start_worker_with(&net, 2, AgentKey::generate(), cfg, boot, executor, tx, true).await;
        req.mesh
            .wait_for_topic_peers(aos_mesh::Topic::Tasks, 1, Duration::from_secs(10))
            .await
            .unwrap();
        Self {
            w,
            req,
            rx,
            runs,
            net,
            dir,
        }
    }

    /// The requester's test spec for `salt` with `acceptance`.
    fn spec(&self, salt: u64, acceptance: Acceptance) -> TaskSpec {
        self.req.task_spec(salt).with_acceptance(acceptance)
    }

    /// Waits for the submission of `task_id`; its result hash.
    async fn submitted(&mut self, task_id: B256) -> B256 {
        next_event(&mut self.rx, SUBMIT_WITHIN, |ev| match ev {
            WorkerEvent::Submitted {
                task_id: t,
                result_hash,
            } if *t == task_id => Some(*result_hash),
            _ => None,
        })
        .await
    }

    /// A blob from the worker's own store.
    async fn worker_blob(&self, id: B256) -> Vec<u8> {
        self.w
            .mesh
            .blob_store()
            .get(&ContentId(id.0))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("blob {id} is not in the worker's store"))
    }

    /// The worker's stored verdict on `task_id`'s result, checked against the row: its
    /// blob hashes to `verdict_hash`, it is signed by the worker's agent key and it is about
    /// the submitted result of this spec.
    async fn stored_verdict(&self, p: &aos_chain::TaskParams, result_hash: B256) -> Verdict {
        let row = self.w.store.task(task_id_of(p)).await.unwrap().unwrap();
        assert_eq!(
            row.result_hash,
            Some(result_hash),
            "the submitted result is stored"
        );
        let vh = row
            .verdict_hash
            .expect("a verdict is stored with the result");
        let bytes = self.worker_blob(vh).await;
        assert_eq!(
            ContentId::of(&bytes),
            ContentId(vh.0),
            "verdict_hash names its blob"
        );
        let v = Verdict::from_json(&bytes).unwrap();
        assert_eq!(v.evaluator, self.w.key.agent_id(), "the worker evaluated");
        v.verify_signature()
            .expect("signed by the worker's agent key");
        assert_eq!(v.result_hash, format!("{result_hash:#x}"));
        assert_eq!(v.spec_hash, format!("{:#x}", p.specHash));
        v
    }

    async fn stop(self) {
        let _ = self.w.shutdown.send(true);
        tokio::time::timeout(Duration::from_secs(15), self.w.handle)
            .await
            .expect("the worker stops within its grace period")
            .unwrap();
    }
}

/// (a) The echo executor's answer starts with "echo: ", so a spec requiring `^echo: `
/// passes the self-check on the first run: one run, the verdict stored with the result,
/// the result submitted and paid as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_that_passes_its_checks_is_submitted_after_one_run() {
    let mut m = Market::start(echo(0), |_| {}).await;
    let spec = m.spec(
        1,
        Acceptance {
            checks: vec![
                required("^echo: "),
                Check::Length {
                    min_chars: Some(10),
                    max_chars: Some(2_000),
                },
            ],
            ..Default::default()
        },
    );
    let p = m.req.post_spec(1, &spec, true).await;
    let id = task_id_of(&p);
    let result_hash = m.submitted(id).await;

    assert_eq!(
        *m.runs.lock().unwrap(),
        [0],
        "one run: the first result passed"
    );
    let row = m.w.store.task(id).await.unwrap().unwrap();
    assert_eq!((row.phase, row.attempts), (TaskPhase::Submitted, 1));
    assert!(!row.evidence_sent);
    let v = m.stored_verdict(&p, result_hash).await;
    assert!(v.pass, "{v:#?}");
    assert_eq!(v.score_bps, 10_000);
    let kinds: Vec<(&str, bool)> = v.checks.iter().map(|c| (c.kind.as_str(), c.pass)).collect();
    assert_eq!(kinds, [("pattern", true), ("length", true)]);
    // no dispute, so nothing on record
    assert!(m.req.contracts.task_evidence(id).await.unwrap().is_empty());

    accept_all(&m.req.contracts, std::slice::from_ref(&p), SUBMIT_WITHIN).await;
    next_event(&mut m.rx, SUBMIT_WITHIN, |ev| match ev {
        WorkerEvent::Paid { task_id, .. } if *task_id == id => Some(()),
        _ => None,
    })
    .await;
    m.stop().await;
}

/// (b) A result that keeps failing is run exactly `verify.max_attempts` times (attempts 0,
/// 1, 2, 3: retries sample), then the best-scoring one is submitted anyway (the requester
/// may reject it) with its failing verdict stored.
///
/// The spec asks for the prefix `SUMMARY: ` and at least 40 chars; the executor answers
/// each attempt differently, and only attempt 1 meets one of the two (score 5 000 bps);
/// attempt 2 ties it (5 000) and does not displace it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_result_is_run_max_attempts_times_and_the_best_submitted() {
    const BEST: &str = "A long answer without the required prefix, over forty chars.";
    let answers = ["short", BEST, "SUMMARY: short", "x", "never asked"];
    let exec = Arc::new(Scripted {
        answers: answers.iter().map(|a| (*a).to_owned()).collect(),
    });
    let mut m = Market::start(exec, |c| c.verify.max_attempts = 4).await;
    let spec = m.spec(
        2,
        Acceptance {
            checks: vec![
                required("^SUMMARY: "),
                Check::Length {
                    min_chars: Some(40),
                    max_chars: None,
                },
            ],
            ..Default::default()
        },
    );
    let p = m.req.post_spec(2, &spec, true).await;
    let id = task_id_of(&p);
    let result_hash = m.submitted(id).await;

    assert_eq!(
        *m.runs.lock().unwrap(),
        [0, 1, 2, 3],
        "exactly verify.max_attempts runs, numbered"
    );
    let row = m.w.store.task(id).await.unwrap().unwrap();
    assert_eq!(row.phase, TaskPhase::Submitted);
    assert_eq!(
        row.attempts, 1,
        "one execution step; the retries are inside it"
    );
    let result = ResultBlob::from_json(&m.worker_blob(result_hash).await).unwrap();
    assert_eq!(result.output, BEST, "the best-scoring result was submitted");
    assert_eq!(result.executor, "scripted");

    let v = m.stored_verdict(&p, result_hash).await;
    assert!(!v.pass, "{v:#?}");
    assert_eq!(v.score_bps, 5_000, "the best result's score");
    let pattern = v.checks.iter().find(|c| c.kind == "pattern").unwrap();
    assert!(
        !pattern.pass && pattern.reason.contains("^SUMMARY: "),
        "{pattern:?}"
    );
    let length = v.checks.iter().find(|c| c.kind == "length").unwrap();
    assert!(length.pass, "{length:?}");
    m.stop().await;
}

/// (c) A spec with a rubric, and no `verify.judge`: the worker could not check its result,
/// so it does not claim, and its decision says why. (d) A spec whose
/// `requirements.excluded_workers` lists the worker's account: not claimed either. A third
/// task the worker can check is claimed and submitted, so the two refusals are decisions,
/// not a worker that is not listening.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_it_cannot_check_or_is_excluded_from_are_not_claimed() {
    let mut m = Market::start(echo(0), |c| {
        assert_eq!(c.verify.judge, None, "no judge configured");
    })
    .await;
    let rubric = m.spec(
        3,
        Acceptance {
            rubric: Some(Rubric {
                criteria: vec!["summarises the task in one line".into()],
                threshold_bps: 6_000,
            }),
            ..Default::default()
        },
    );
    let mut excluding = m.spec(
        4,
        Acceptance {
            checks: vec![required("^echo: ")],
            ..Default::default()
        },
    );
    excluding.requirements.excluded_workers = vec![format!("{:#x}", m.w.account)];
    let checkable = m.spec(
        5,
        Acceptance {
            checks: vec![required("^echo: ")],
            ..Default::default()
        },
    );
    let p_rubric = m.req.post_spec(3, &rubric, true).await;
    let p_excluding = m.req.post_spec(4, &excluding, true).await;
    let p_checkable = m.req.post_spec(5, &checkable, true).await;
    let ids = [p_rubric, p_excluding, p_checkable].map(|p| task_id_of(&p));

    // the first decision on each task (gossip and the chain poll may both bring it), and
    // the submission of the checkable one
    let mut decided: [Option<(bool, Option<String>)>; 3] = [None, None, None];
    let mut submitted = false;
    while decided.iter().any(Option::is_none) || !submitted {
        let ev = next_event(&mut m.rx, SUBMIT_WITHIN, |ev| Some(ev.clone())).await;
        match ev {
            WorkerEvent::Decided {
                task_id,
                claim,
                reason,
                ..
            } => {
                if let Some(i) = ids.iter().position(|t| *t == task_id) {
                    decided[i].get_or_insert((claim, reason));
                }
            }
            WorkerEvent::Submitted { task_id, .. } if task_id == ids[2] => submitted = true,
            _ => {}
        }
    }
    let [rubric_d, excluded_d, checkable_d] = decided.map(Option::unwrap);
    let (claim, reason) = rubric_d;
    let reason = reason.expect("a refusal has a reason");
    assert!(!claim);
    assert_eq!(
        reason,
        "cannot run the task's acceptance checks: the spec has a rubric but this evaluator \
         has no judge"
    );
    assert_eq!(
        excluded_d,
        (false, Some("the requester excluded this worker".into()))
    );
    assert_eq!(checkable_d, (true, None));

    for (id, why) in [(ids[0], &reason), (ids[1], &excluded_d.1.unwrap())] {
        let row = m.w.store.task(id).await.unwrap().unwrap();
        assert_eq!(row.phase, TaskPhase::Skipped);
        assert_eq!(row.error.as_ref(), Some(why));
        assert_eq!(
            m.req.contracts.task_status(id).await.unwrap(),
            TaskStatus::Open,
            "still open for another worker"
        );
    }
    assert_eq!(*m.runs.lock().unwrap(), [0], "only the checkable task ran");
    m.stop().await;
}

/// (e) The requester rejects the submitted result with its own evidence; the worker puts
/// its stored verdict on record as its reply, exactly once — also across a restart (the
/// `evidence_sent` flag is stored) — and the requester (like any juror) fetches that
/// verdict over the mesh. Meanwhile the worker, with one task slot, takes the next task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disputed_result_is_answered_with_the_stored_verdict_once() {
    let mut m = Market::start(echo(0), |_| {}).await;
    let spec = m.spec(
        6,
        Acceptance {
            checks: vec![required("^echo: ")],
            ..Default::default()
        },
    );
    let p = m.req.post_spec(6, &spec, true).await;
    let id = task_id_of(&p);
    let result_hash = m.submitted(id).await;
    let verdict = m.stored_verdict(&p, result_hash).await;
    assert!(verdict.pass);
    let verdict_hash =
        m.w.store
            .task(id)
            .await
            .unwrap()
            .unwrap()
            .verdict_hash
            .unwrap();

    let requester_evidence = m
        .req
        .mesh
        .put_blob(b"requester: the answer repeats the prompt")
        .await
        .unwrap();
    m.req
        .contracts
        .reject(&p, requester_evidence)
        .await
        .unwrap();
    assert_eq!(
        m.req.contracts.task_status(id).await.unwrap(),
        TaskStatus::Disputed
    );

    // the worker polls every 200 ms; its reply should be on record within seconds
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let row = m.w.store.task(id).await.unwrap().unwrap();
        if row.evidence_sent {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker did not reply to the dispute: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // several more Disputed polls (every 5 × 200 ms) pass without a second reply
    tokio::time::sleep(Duration::from_secs(3)).await;
    let expected = [
        (m.req.account, requester_evidence),
        (m.w.account, ContentId(verdict_hash.0)),
    ];
    let on_record = |ev: Vec<aos_chain::TaskEvidence>| -> Vec<_> {
        ev.iter().map(|e| (e.party, e.evidence)).collect()
    };
    assert_eq!(
        on_record(m.req.contracts.task_evidence(id).await.unwrap()),
        expected,
        "the requester's evidence, then the worker's verdict, once"
    );

    // a juror's view: the worker's evidence is its signed verdict on the submitted result
    let bytes = tokio::time::timeout(
        Duration::from_secs(20),
        m.req.mesh.get_blob(ContentId(verdict_hash.0)),
    )
    .await
    .expect("the verdict blob is served over the mesh in time")
    .unwrap();
    assert_eq!(Verdict::from_json(&bytes).unwrap(), verdict);

    // waiting for the jury is not work: with one task slot, the worker takes the next task
    assert_eq!(
        worker_config(&m.dir.path().join("w")).max_concurrent_tasks,
        1
    );
    let next = m.spec(
        7,
        Acceptance {
            checks: vec![required("^echo: ")],
            ..Default::default()
        },
    );
    let p_next = m.req.post_spec(7, &next, true).await;
    m.submitted(task_id_of(&p_next)).await;

    // restart the worker on the same data: the dispute resumes, the reply is not repeated
    let Market {
        w,
        req,
        runs,
        net,
        dir,
        ..
    } = m;
    let _ = w.shutdown.send(true);
    tokio::time::timeout(Duration::from_secs(15), w.handle)
        .await
        .unwrap()
        .unwrap();
    w.mesh.shutdown().await;
    drop(w.store);
    let boot = req.mesh.listen_addrs().await.unwrap();
    let (tx, _rx) = mpsc::channel(1024);
    let w2 = start_worker_with(
        &net,
        2,
        w.key,
        worker_config(&dir.path().join("w")),
        boot,
        echo(0),
        tx,
        false,
    )
    .await;
    let row = w2.store.task(id).await.unwrap().unwrap();
    assert_eq!((row.phase, row.evidence_sent), (TaskPhase::Submitted, true));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        on_record(req.contracts.task_evidence(id).await.unwrap()),
        expected,
        "no second reply after the restart"
    );
    assert_eq!(
        *runs.lock().unwrap(),
        [0, 0],
        "one run per task: the disputed result is not made again"
    );
    let _ = w2.shutdown.send(true);
    tokio::time::timeout(Duration::from_secs(15), w2.handle)
        .await
        .unwrap()
        .unwrap();
}
