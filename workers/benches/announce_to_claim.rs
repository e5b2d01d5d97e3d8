//! Announcement → claim decision on a 20-node loopback mesh (real libp2p swarms on
//! 127.0.0.1, TCP + Noise + Yamux, gossipsub with strict signing and envelope validation).
//!
//! Node 0 (the requester) publishes task-posted announcements; each of the 19 other nodes
//! runs the worker's decision path on every one it receives (decode the announcement,
//! check the terms, parse the inline spec, check skills/karma/executor) and timestamps the
//! moment it decides to claim. Latency = decision time − the time just before `publish`.
//! Sending the claim transaction is not included (anvil mines in ~ms; a real chain's block
//! time dominates and is not the mesh's figure).
//!
//! Run: `cargo bench -p aos-worker --no-default-features --bench announce_to_claim`.
//! `--no-default-features` leaves the `llama` feature out, so the bench profile (which
//! inherits release) does not compile llama.cpp a second time (TOOLCHAIN.md). A dev-profile
//! run is not representative: unoptimised Ed25519 verification (twice per message per
//! node: gossipsub's signature and the envelope's) saturates 2 cores at 20 nodes.
//! Target: p99 < 200 ms, none lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256};
use aos_chain::{TaskParams, domain_to_bytes32};
use aos_mesh::{MeshConfig, Topic};
use aos_protocol::messages::{Message, Money, Requirements, TaskSpec};
use aos_protocol::{AgentKey, ContentId};
use aos_worker::announce::{announcement, decode};
use aos_worker::config::WorkerConfig;
use aos_worker::decide::{OwnKarma, check_spec, check_terms};

const NODES: usize = 20;
const DEGREE: usize = 3;
const ANNOUNCEMENTS: u64 = 100;
const INTERVAL: Duration = Duration::from_millis(50); // 20/s: the default per-sender rate

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = Vec::new();
    for i in 0..NODES {
        let key = AgentKey::generate();
        let (c, _) = aos_mesh::spawn(
            &key,
            MeshConfig::new(31337, dir.path().join(format!("n{i}"))),
        )
        .await
        .unwrap();
        nodes.push((key, c));
    }
    // sparse random topology: node i dials DEGREE earlier nodes (deterministic LCG)
    let mut seed: u64 = 0x5eed;
    let mut edges = 0;
    for i in 1..NODES {
        let mut picked = Vec::new();
        for _ in 0..DEGREE.min(i) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let j = (seed >> 33) as usize % i;
            if !picked.contains(&j) {
                picked.push(j);
            }
        }
        for j in picked {
            let addr = nodes[j].1.listen_addrs().await.unwrap()[0].clone();
            nodes[i].1.dial(addr).await.unwrap();
            edges += 1;
        }
    }
    eprintln!("spawned {NODES} nodes, {edges} links");
    for (_, c) in &nodes {
        c.wait_for_topic_peers(Topic::Tasks, 1, Duration::from_secs(20))
            .await
            .unwrap();
    }
    eprintln!("every node has a topic peer");
    tokio::time::sleep(Duration::from_secs(3)).await; // let gossipsub meshes form (heartbeats)

    let cfg = Arc::new(WorkerConfig {
        skills: vec!["summarisation".into()],
        domains: vec!["summarisation".into()],
        ..Default::default()
    });
    let decided: Arc<Mutex<HashMap<(usize, u64), Instant>>> = Arc::default();
    for (i, (_, c)) in nodes.iter().enumerate().skip(1) {
        let mut rx = c.subscribe(Topic::Tasks).await.unwrap();
        let cfg = cfg.clone();
        let decided = decided.clone();
        let me = Address::with_last_byte(i as u8);
        tokio::spawn(async move {
            while let Some(g) = rx.recv().await {
                let Ok((params, spec)) = decode(&g.envelope.payload) else {
                    continue;
                };
                if check_terms(&cfg, me, &params, now_s()).is_err() {
                    continue;
                }
                let Some(spec) = spec.as_deref().and_then(|s| TaskSpec::from_json(s).ok()) else {
                    continue;
                };
                if check_spec(&cfg, &params, &spec, OwnKarma::default(), me, |_| true).is_ok() {
                    decided
                        .lock()
                        .unwrap()
                        .insert((i, g.envelope.nonce), Instant::now());
                }
            }
        });
    }

    let (rkey, rclient) = &nodes[0];
    let mut sent: HashMap<u64, Instant> = HashMap::new();
    let mut payload_len = 0;
    let start = Instant::now();
    for n in 1..=ANNOUNCEMENTS {
        let spec = TaskSpec {
            task_id: format!("bench-{n}"),
            task_type: "summarisation".into(),
            requester: rkey.agent_id(),
            requirements: Requirements {
                required_skills: vec!["summarisation".into()],
                deadline_ms: 3_600_000,
                ..Default::default()
            },
            payment: Money::eth_wei(10_000_000_000_000_000),
            input: serde_json::json!({"prompt": "Summarise the attached quarterly report in three bullet points."}),
            delegation_allowed: false,
            max_delegation_depth: 0,
            created_at: 0,
            acceptance: None,
            signature: None,
        }
        .to_json()
        .unwrap();
        let now = now_s();
        let params = TaskParams::builder(Address::repeat_byte(0xaa), now)
            .with_payment(10_000_000_000_000_000)
            .with_domain(domain_to_bytes32("summarisation").unwrap())
            .with_spec_hash(B256::from(ContentId::of(&spec).0))
            .with_salt(n)
            .build();
        let env = announcement(&params, Some(spec))
            .to_envelope(
                rkey,
                31337,
                n,
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_millis() as u64,
            )
            .unwrap();
        payload_len = env.encoded_len();
        sent.insert(n, Instant::now());
        rclient.publish(Topic::Tasks, &env).await.unwrap();
        tokio::time::sleep_until((start + INTERVAL * n as u32).into()).await;
    }
    eprintln!("published {ANNOUNCEMENTS}");
    tokio::time::sleep(Duration::from_secs(3)).await;

    let decided = decided.lock().unwrap().clone(); // no std lock held across an await
    let mut lat_ms: Vec<f64> = decided
        .iter()
        .map(|((_, n), t)| t.duration_since(sent[n]).as_secs_f64() * 1000.0)
        .collect();
    lat_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let expected = (NODES as u64 - 1) * ANNOUNCEMENTS;
    let pct = |p: f64| lat_ms[((lat_ms.len() as f64 - 1.0) * p).round() as usize];
    let mut stats = Vec::new();
    for (_, c) in &nodes {
        stats.push(c.stats().await.unwrap());
    }
    let rejected: u64 = stats.iter().map(|s| s.rejected).sum();
    let ignored: u64 = stats.iter().map(|s| s.ignored).sum();
    println!(
        "announce_to_claim: {NODES} nodes on 127.0.0.1 (TCP+Noise+Yamux), {edges} dialled links (each node dials {DEGREE} earlier ones)"
    );
    println!(
        "  input: {ANNOUNCEMENTS} task-posted announcements of {payload_len} bytes (envelope), one every {} ms from node 0",
        INTERVAL.as_millis()
    );
    println!(
        "  decisions: {} of {expected} expected (19 receivers x {ANNOUNCEMENTS}); lost: {}",
        lat_ms.len(),
        expected - lat_ms.len() as u64
    );
    println!(
        "  latency announcement -> claim decision: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 < 200 ms, none lost)",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        lat_ms[lat_ms.len() - 1]
    );
    println!("  gossip validation across nodes: rejected {rejected}, ignored (rate) {ignored}");
    let ok = pct(0.99) < 200.0 && lat_ms.len() as u64 == expected;
    println!("  result: {}", if ok { "PASS" } else { "FAIL" });
}
