//! The juror agent (issue 14), `aos juror run` as real processes on a real devnet (anvil,
//! the deployed contracts, the blob gateway): jurors judge disputes on their own, on time,
//! with the same evaluator as the requester.
//!
//! * `colluder_loses_interested_juror_refuses_killed_juror_reveals`: three agents, one
//!   always voting for the worker. On a failing result the two honest agents outvote it; the
//!   colluder is settled Incoherent, loses its penalty and its jury karma falls below theirs.
//!   One honest agent is killed (SIGKILL) right after its commit and restarted: it reveals
//!   the stored vote, is Coherent and loses nothing. It runs behind a recording RPC proxy:
//!   its salt is in no request before its reveal, and its commitment first leaves inside
//!   its own commit transaction (never through `commitmentOf`). Then a dispute about a
//!   sub-task whose parent the colluder posted: the colluder refuses that seat (logged, in
//!   its store), the other two rule.
//! * `an_appeal_draws_seven_agents_and_the_final_ruling_executes`: the losing worker funds
//!   an appeal; seven agents are drawn into round 1, vote, and the final ruling executes.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use aos_chain::{AosContracts, Phase, SeatState, TaskStatus, domain_to_bytes32};
use aos_tests::{Devnet, bin, model, path_env, wait_status};
use serde_json::Value;

/// The longest any step of the court takes here (its periods are 120 s).
const WITHIN: Duration = Duration::from_secs(150);

/// A running `aos juror run`.
struct Agent {
    child: Child,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `aos juror run` for juror `n` with `policy`, through `rpc` when given; its log is
/// `<dir>/agent-<n>.log` (appended across restarts).
fn start_agent(net: &Devnet, n: usize, policy: &str, rpc: Option<&str>) -> Agent {
    start_agent_with(net, n, policy, rpc, &[])
}

/// [`start_agent`] with more `aos juror run` flags.
fn start_agent_with(
    net: &Devnet,
    n: usize,
    policy: &str,
    rpc: Option<&str>,
    extra: &[&str],
) -> Agent {
    let mut args = net.globals("juror", n);
    if let Some(r) = rpc {
        args.extend(["--rpc".to_owned(), r.to_owned()]);
    }
    args.extend(
        [
            "juror",
            "run",
            "--policy",
            policy,
            "--poll-interval",
            "300ms",
            "--gateway",
            net.file["blob_gateway"].as_str().expect("blob_gateway"),
        ]
        .map(str::to_owned),
    );
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(agent_log(net, n))
        .expect("agent log");
    let child = Command::new(bin("aos"))
        .args(&args)
        .env("PATH", path_env())
        .env("AOS_AGENT_PASSPHRASE", "devnet")
        .env_remove("AOS_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn aos juror run");
    Agent { child }
}

fn agent_log(net: &Devnet, n: usize) -> PathBuf {
    net.dir.join(format!("agent-{n}.log"))
}

/// Every agent log of `net`, for a failure message.
fn agent_logs(net: &Devnet) -> String {
    let mut out = String::new();
    for n in 0..8 {
        if let Ok(t) = std::fs::read_to_string(agent_log(net, n)) {
            out.push_str(&format!("\n--- agent-{n}.log\n{t}"));
        }
    }
    for e in std::fs::read_dir(net.dir.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if e.file_name().to_string_lossy().starts_with("juror-") {
            let t = std::fs::read_to_string(e.path()).unwrap_or_default();
            out.push_str(&format!("\n--- {}\n{t}", e.path().display()));
        }
    }
    out
}

async fn wait_phase(net: &Devnet, c: &AosContracts, d: u64, phases: &[Phase]) {
    let until = Instant::now() + WITHIN;
    loop {
        let x = c.dispute(d).await.unwrap();
        if phases.iter().any(|p| *p as u8 == x.phase) {
            return;
        }
        assert!(
            Instant::now() < until,
            "dispute {d} stuck in {}{}",
            Phase::name_of(x.phase),
            agent_logs(net)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn wait_seat(
    net: &Devnet,
    c: &AosContracts,
    d: u64,
    round: u64,
    juror: Address,
    state: SeatState,
) {
    let until = Instant::now() + WITHIN;
    loop {
        let s = c.seat(d, round, juror).await.unwrap();
        if s.state >= state as u8 {
            return;
        }
        assert!(
            Instant::now() < until,
            "seat of {juror} in dispute {d} round {round} stuck in {}{}",
            SeatState::name_of(s.state),
            agent_logs(net)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Moves chain time just past the latest of `deadlines` (unix seconds).
async fn warp_past(net: &Devnet, c: &AosContracts, deadlines: &[u64]) {
    let now = c.chain_time().await.unwrap();
    let until = deadlines.iter().copied().max().unwrap_or(now);
    if until >= now {
        net.aos_as(
            "requester",
            &["devnet", "warp", &format!("{}s", until - now + 1)],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `aos juror status` of juror `n`: its store's row for dispute `d`.
fn stored_vote(net: &Devnet, n: usize, d: u64) -> Value {
    let s = net
        .aos_as_n("juror", n, &["juror", "status"])
        .unwrap_or_else(|e| panic!("{e}"));
    s["votes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["dispute_id"].as_u64() == Some(d))
        .cloned()
        .unwrap_or_else(|| panic!("juror {n} has no stored vote on dispute {d}: {s:#}"))
}

/// A JSON-RPC proxy in front of anvil that records every request body in order.
async fn recording_proxy(upstream: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let http = reqwest::Client::new();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: String| {
            let (log, http, upstream) = (Arc::clone(&log), http.clone(), upstream.clone());
            async move {
                log.lock().unwrap().push(body.clone());
                let r = http
                    .post(&upstream)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("anvil answers");
                let text = r.text().await.unwrap_or_default();
                ([("content-type", "application/json")], text)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// The index of the first recorded request that carries `needle` (lowercase hex, no 0x).
fn first_with(seen: &[String], needle: &str) -> Option<usize> {
    seen.iter()
        .position(|b| b.to_ascii_lowercase().contains(needle))
}

/// `who`'s accuracy (WAD) in the court's `jury` domain.
async fn karma_accuracy(c: &AosContracts, who: Address) -> U256 {
    c.karma_scores(who, domain_to_bytes32("jury").unwrap())
        .await
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colluder_loses_interested_juror_refuses_killed_juror_reveals() {
    let _ = bin("aos");
    let net = Devnet::up_with(0, 3, &model("--tiny"), 8, &["--no-juror-agents"]);
    let c = net.reader();
    let (colluder, killed, honest) = (
        net.address("juror", 0),
        net.address("juror", 1),
        net.address("juror", 2),
    );
    let stake0: Vec<U256> = {
        let mut v = Vec::new();
        for j in [colluder, killed, honest] {
            v.push(U256::from(c.juror(j).await.unwrap().stake));
        }
        v
    };
    for n in [0, 1] {
        net.aos_as_n("spare", n, &["worker", "register"])
            .unwrap_or_else(|e| panic!("{e}"));
    }

    // dispute X: the requester's task, a failing result by spare #1, rejected
    let spec_x = net.checked_spec("x");
    let task_x = net.post("requester", 0, &spec_x, None);
    net.claim_and_submit_bad("spare", 1, task_x, &spec_x);
    let x = net.reject("requester", 0, task_x);

    // the honest agent that will be killed runs alone first, behind the recording proxy: it
    // draws the jury (keeper), judges and commits; nobody else has committed, so the
    // dispute waits in Commit
    let (proxy, seen) = recording_proxy(net.rpc()).await;
    let mut k = start_agent(&net, 1, "evaluator", Some(&proxy));
    wait_seat(&net, &c, x, 0, killed, SeatState::Committed).await;
    assert_eq!(c.dispute(x).await.unwrap().phase, Phase::Commit as u8);
    let _ = Command::new("kill")
        .args(["-KILL", &k.child.id().to_string()])
        .status();
    let _ = k.child.wait();
    drop(k);

    // the colluder and the other honest agent vote; all three committed → Reveal; the two
    // running agents reveal, the killed one cannot
    let _col = start_agent(&net, 0, "always-worker", None);
    let metrics = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let _hon = start_agent_with(
        &net,
        2,
        "evaluator",
        None,
        &["--metrics-listen", &metrics.to_string()],
    );
    wait_seat(&net, &c, x, 0, colluder, SeatState::Revealed).await;
    wait_seat(&net, &c, x, 0, honest, SeatState::Revealed).await;
    assert_eq!(c.dispute(x).await.unwrap().phase, Phase::Reveal as u8);
    assert_eq!(
        c.seat(x, 0, killed).await.unwrap().state,
        SeatState::Committed as u8
    );

    // restarted on the same data folder, it reveals the stored vote (no second commit)
    let _k2 = start_agent(&net, 1, "evaluator", Some(&proxy));
    wait_phase(&net, &c, x, &[Phase::Appeal]).await;
    let dx = c.dispute(x).await.unwrap();
    assert_eq!(dx.ruling, 1, "the two honest votes rule for the requester");
    assert_eq!(c.seat(x, 0, colluder).await.unwrap().choice, 2);
    assert_eq!(c.seat(x, 0, killed).await.unwrap().choice, 1);
    assert_eq!(c.seat(x, 0, honest).await.unwrap().choice, 1);
    // the reveal matched the one commitment on chain: the restart used the stored salt
    let log = std::fs::read_to_string(agent_log(&net, 1)).unwrap();
    assert!(log.contains("revealed"), "{log}");

    // the commitment and salt, from the killed agent's own transactions as recorded
    let bodies = seen.lock().unwrap().clone();
    let commit_sel = hex(&aos_chain::dispute_court::DisputeCourt::commitCall::SELECTOR);
    let reveal_sel = hex(&aos_chain::dispute_court::DisputeCourt::revealCall::SELECTOR);
    let commit_of_sel = hex(&aos_chain::dispute_court::DisputeCourt::commitmentOfCall::SELECTOR);
    let seat = c.seat(x, 0, killed).await.unwrap();
    let low240 = format!("{:060x}", seat.commitment);
    let i_commit = first_with(&bodies, &low240).expect("the commitment went out");
    assert!(
        bodies[i_commit].contains("eth_sendRawTransaction")
            || (bodies[i_commit].contains("eth_estimateGas")
                && bodies[i_commit].contains(&commit_sel)),
        "the commitment first left in: {}",
        bodies[i_commit]
    );
    let i_reveal = bodies
        .iter()
        .position(|b| b.contains("eth_estimateGas") && b.contains(&reveal_sel))
        .expect("the reveal was sent through the proxy");
    // the salt is the reveal call's third word
    let reveal = &bodies[i_reveal];
    let at = reveal.find(&reveal_sel).unwrap() + reveal_sel.len();
    let salt = &reveal[at + 128..at + 192];
    assert_eq!(
        first_with(&bodies, salt),
        Some(i_reveal),
        "the salt left before the reveal"
    );
    assert!(
        bodies.iter().all(|b| !b.contains(&commit_of_sel)),
        "nobody asked the node for commitmentOf"
    );
    assert!(i_commit < i_reveal);

    // dispute Y: the colluder posted the parent task; spare #0 took it and delegated a
    // sub-task to spare #1, whose result fails; spare #0 rejects it
    let spec_p = net.checked_spec("parent");
    let parent = net.post("juror", 0, &spec_p, None);
    net.aos_as_n("spare", 0, &["task", "claim", &format!("{parent:#x}")])
        .unwrap_or_else(|e| panic!("{e}"));
    let spec_q = net.checked_spec("sub");
    let sub = net.post("spare", 0, &spec_q, Some(parent));
    net.claim_and_submit_bad("spare", 1, sub, &spec_q);
    let y = net.reject("spare", 0, sub);
    wait_seat(&net, &c, y, 0, killed, SeatState::Committed).await;
    wait_seat(&net, &c, y, 0, honest, SeatState::Committed).await;
    let until = Instant::now() + WITHIN;
    let refused = loop {
        let v = stored_vote(&net, 0, y);
        if v["state"] == "refused" {
            break v;
        }
        assert!(Instant::now() < until, "the colluder did not refuse: {v:#}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let why = refused["reason"].as_str().unwrap();
    assert!(
        why.contains("requester") && why.contains("delegation chain"),
        "{why}"
    );
    assert_eq!(
        c.seat(y, 0, colluder).await.unwrap().state,
        SeatState::Drawn as u8,
        "an interested juror never commits"
    );

    // time passes X's appeal window and Y's commit period: the agents advance both
    let dy = c.dispute(y).await.unwrap();
    warp_past(
        &net,
        &c,
        &[dx.deadline.to::<u64>(), dy.deadline.to::<u64>()],
    )
    .await;
    wait_phase(&net, &c, x, &[Phase::Solved]).await;
    net.aos_as(
        "requester",
        &["task", "execute-ruling", &format!("{task_x:#x}")],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for j in [colluder, killed, honest] {
        wait_seat(&net, &c, x, 0, j, SeatState::Settled).await;
    }
    assert_eq!(stored_vote(&net, 0, x)["seat_verdict"], "Incoherent");
    assert_eq!(stored_vote(&net, 1, x)["seat_verdict"], "Coherent");
    assert_eq!(stored_vote(&net, 2, x)["seat_verdict"], "Coherent");
    wait_status(&c, task_x, &[TaskStatus::Resolved], WITHIN).await;

    // Y: the two uninterested agents reveal and rule; then its appeal window passes
    wait_phase(&net, &c, y, &[Phase::Appeal]).await;
    let dy = c.dispute(y).await.unwrap();
    assert_eq!(dy.ruling, 1);
    warp_past(&net, &c, &[dy.deadline.to::<u64>()]).await;
    wait_phase(&net, &c, y, &[Phase::Solved]).await;
    net.aos_as_n(
        "spare",
        0,
        &["task", "execute-ruling", &format!("{sub:#x}")],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for j in [colluder, killed, honest] {
        wait_seat(&net, &c, y, 0, j, SeatState::Settled).await;
    }

    // money: the killed-and-restarted juror lost nothing (its stake is whole; rewards were
    // withdrawn), the colluder lost a penalty on X (and the refused seat on Y)
    let penalty = c.court_penalty().await.unwrap();
    let stake1: Vec<U256> = {
        let mut v = Vec::new();
        for j in [colluder, killed, honest] {
            v.push(U256::from(c.juror(j).await.unwrap().stake));
        }
        v
    };
    assert_eq!(
        stake1[1], stake0[1],
        "nothing slashed from the restarted juror"
    );
    assert_eq!(stake1[2], stake0[2]);
    assert_eq!(
        stake1[0],
        stake0[0] - penalty - penalty,
        "X incoherent, Y absent"
    );
    // the honest agent's metrics: two votes, two reveals, no missed deadline, fees earned
    let text = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let metric = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };
    assert_eq!(metric("aos_juror_votes_total"), 2.0, "{text}");
    assert_eq!(metric("aos_juror_reveals_total"), 2.0, "{text}");
    assert_eq!(metric("aos_juror_missed_deadlines_total"), 0.0, "{text}");
    assert!(metric("aos_juror_fee_rewards_wei_total") > 0.0, "{text}");
    assert_eq!(
        metric("aos_juror_seat_to_commit_seconds_count"),
        2.0,
        "{text}"
    );
    // jury karma: the colluder's accuracy fell below the honest jurors'
    let (acc_col, acc_killed) = (
        karma_accuracy(&c, colluder).await,
        karma_accuracy(&c, killed).await,
    );
    assert!(acc_col < acc_killed, "{acc_col} < {acc_killed}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appeal_draws_seven_agents_and_the_final_ruling_executes() {
    let _ = bin("aos");
    let net = Devnet::up(0, 7, &model("--tiny"), 8);
    let c = net.reader();
    net.aos_as("spare", &["worker", "register"])
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = net.checked_spec("appealed");
    let task = net.post("requester", 0, &spec, None);
    net.claim_and_submit_bad("spare", 0, task, &spec);
    let d = net.reject("requester", 0, task);

    // round 0: three agents rule for the requester; the worker appeals
    wait_phase(&net, &c, d, &[Phase::Appeal]).await;
    assert_eq!(c.dispute(d).await.unwrap().ruling, 1);
    let r = net
        .aos_as("spare", &["dispute", "appeal", &d.to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["round"], 1, "{r:#}");
    assert_eq!(r["jurors"], 7, "{r:#}");

    // round 1: the agents draw seven seats among themselves and vote again
    wait_phase(&net, &c, d, &[Phase::Appeal, Phase::Solved]).await;
    let round = c.dispute_round(d, 1).await.unwrap();
    assert_eq!((round.jurors, round.drawn, round.commits), (7, 7, 7));
    let dd = c.dispute(d).await.unwrap();
    assert_eq!((dd.round, dd.ruling), (1, 1));
    warp_past(&net, &c, &[dd.deadline.to::<u64>()]).await;
    wait_phase(&net, &c, d, &[Phase::Solved]).await;
    net.aos_as(
        "requester",
        &["task", "execute-ruling", &format!("{task:#x}")],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    wait_status(&c, task, &[TaskStatus::Resolved], WITHIN).await;
    // every seat of both rounds is settled by its agent
    for n in 0..7 {
        let j = net.address("juror", n);
        for r in 0..2 {
            if c.seat(d, r, j).await.unwrap().state != SeatState::None as u8 {
                wait_seat(&net, &c, d, r, j, SeatState::Settled).await;
            }
        }
    }
}
