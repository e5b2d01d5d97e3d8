//! Juror agent latency (issue 14 "Performance"): on a local devnet with three juror agents
//! (`aos juror run`, the real binary) and N disputes opened back to back, the time from a
//! seat being noticed to its commit being sent, per seat, p50 and p99 — in milliseconds
//! (the agents' stores) and in blocks (the seat's `JurorDrawn` to its `VoteCommitted` on
//! chain); the evaluator's time per seat is reported separately. Compared, as a ratio, with
//! the court's commit period (the deadline the latency must beat).
//!
//! `cargo test -p aos-tests --bench juror_latency` (after `cargo build --workspace --bins`: it
//! drives the debug binaries the end-to-end tests use; `cargo bench` would first need a
//! release build of every binary, and the figures are dominated by RPC round trips);
//! `AOS_BENCH_DISPUTES` sets N (default 20).

use std::time::{Duration, Instant};

use alloy::{rpc::types::Filter, sol_types::SolEvent};
use aos_chain::{Phase, dispute_court::DisputeCourt};
use aos_tests::{Devnet, bin, model};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let n: usize = std::env::var("AOS_BENCH_DISPUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let _ = bin("aos");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        // each seat locks the court's minimum stake (0.1 ETH) until settled: with N
        // disputes open at once every juror needs N × 0.1 ETH free, so they stake 3 ETH
        let net = Devnet::up_with(0, 3, &model("--tiny"), 8, &["--juror-stake", "3eth"]);
        let c = net.reader();
        net.aos_as("spare", &["worker", "register"])
            .unwrap_or_else(|e| panic!("{e}"));
        let mut tasks = Vec::new();
        for i in 0..n {
            let s = net.checked_spec(&format!("bench-{i}"));
            let t = net.post("requester", 0, &s, None);
            net.claim_and_submit_bad("spare", 0, t, &s);
            tasks.push(t);
        }
        let opened = Instant::now();
        let mut disputes = Vec::new();
        for t in &tasks {
            disputes.push(net.reject("requester", 0, *t));
        }
        let open_s = opened.elapsed().as_secs_f64();
        // every dispute voted (tallied: Appeal); an unstaffed round would be Solved
        let until = Instant::now() + Duration::from_secs(600);
        for d in &disputes {
            loop {
                let x = c.dispute(*d).await.unwrap();
                assert!(
                    x.phase != Phase::Solved as u8,
                    "dispute {d} ended without a jury (unstaffed)"
                );
                if x.phase == Phase::Appeal as u8 {
                    break;
                }
                assert!(Instant::now() < until, "dispute {d} not voted in time");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        // milliseconds, from the agents' stores
        let (mut ms, mut judge) = (Vec::new(), Vec::new());
        for j in 0..3 {
            let s = net
                .aos_as_n("juror", j, &["juror", "status"])
                .unwrap_or_else(|e| panic!("{e}"));
            for v in s["votes"].as_array().into_iter().flatten() {
                if let Some(x) = v["seat_to_commit_ms"].as_u64() {
                    ms.push(x as f64);
                }
                if let Some(x) = v["judge_ms"].as_u64() {
                    judge.push(x as f64);
                }
            }
        }
        // blocks, from the chain: JurorDrawn → VoteCommitted of the same seat
        let court = c.deployments().dispute_court;
        let logs = |sig| {
            let f = Filter::new()
                .address(court)
                .event_signature(sig)
                .from_block(0);
            let p = c.provider().clone();
            async move { alloy::providers::Provider::get_logs(&p, &f).await.unwrap() }
        };
        let drawn = logs(DisputeCourt::JurorDrawn::SIGNATURE_HASH).await;
        let committed = logs(DisputeCourt::VoteCommitted::SIGNATURE_HASH).await;
        let mut blocks = Vec::new();
        for l in &committed {
            let e = DisputeCourt::VoteCommitted::decode_log(&l.inner).unwrap();
            let seat = drawn.iter().find(|d| {
                DisputeCourt::JurorDrawn::decode_log(&d.inner).is_ok_and(|x| {
                    x.data.disputeId == e.data.disputeId
                        && x.data.round == e.data.round
                        && x.data.juror == e.data.juror
                })
            });
            if let (Some(s), Some(b1)) = (seat, l.block_number)
                && let Some(b0) = s.block_number
            {
                blocks.push(b1.saturating_sub(b0) as f64);
            }
        }
        for v in [&mut ms, &mut judge, &mut blocks] {
            v.sort_by(f64::total_cmp);
        }
        let period = c.court_params().await.unwrap().commitPeriod;
        let p99_s = percentile(&ms, 99.0) / 1000.0;
        println!(
            "juror agents: {n} disputes opened in {open_s:.1} s, 3 agents, {} seats committed",
            ms.len()
        );
        println!(
            "seat noticed → commit sent: p50 {:.0} ms, p99 {:.0} ms (judge's time included)",
            percentile(&ms, 50.0),
            percentile(&ms, 99.0)
        );
        println!(
            "  evaluator (judge) per seat: p50 {:.0} ms, p99 {:.0} ms",
            percentile(&judge, 50.0),
            percentile(&judge, 99.0)
        );
        println!(
            "  JurorDrawn → VoteCommitted: p50 {:.0} blocks, p99 {:.0} blocks (anvil mines a \
             block per transaction: blocks count the other transactions in between)",
            percentile(&blocks, 50.0),
            percentile(&blocks, 99.0)
        );
        println!(
            "  compared with the commit period {period} s: p99 / period = {:.4}",
            p99_s / f64::from(period)
        );
    });
}
