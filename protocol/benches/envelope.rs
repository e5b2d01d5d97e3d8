//! Envelope signing and verification against raw ed25519-dalek on the same payload, and
//! batch verification of 64 envelopes against one-by-one.
//!
//! Prints, before the criterion runs, lines such as
//! `envelope verify (256 B payload): X/s, raw ed25519 verify: Y/s, ratio Z (target ≥ 0.90)`.

use std::hint::black_box;
use std::time::Duration;

use aos_protocol::AgentKey;
use aos_protocol::envelope::{Envelope, verify_signatures_batch};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey, Verifier as _};

mod common;

const PAYLOAD: usize = 256;
const BATCH: usize = 64;

fn payload() -> Vec<u8> {
    (0..PAYLOAD).map(|i| i as u8).collect()
}

fn print_ratios() {
    let key = AgentKey::from_secret_bytes(&[7; 32]);
    let raw = SigningKey::from_bytes(&[7; 32]);
    let vk = raw.verifying_key();
    let p = payload();
    let budget = Duration::from_secs(3);

    let (env_sign, raw_sign) = common::compare(
        budget,
        || {
            black_box(
                Envelope::sign(
                    &key,
                    "aos/task-announce/v1",
                    1,
                    42,
                    1_700_000_000_000,
                    p.clone(),
                )
                .unwrap(),
            );
        },
        || {
            black_box(raw.sign(black_box(&p)));
        },
    );
    println!(
        "envelope sign ({PAYLOAD} B payload): {env_sign:.0}/s, raw ed25519 sign: {raw_sign:.0}/s, ratio {:.3} (target >= 0.90)",
        env_sign / raw_sign
    );

    let env = Envelope::sign(
        &key,
        "aos/task-announce/v1",
        1,
        42,
        1_700_000_000_000,
        p.clone(),
    )
    .unwrap();
    let wire = env.encode();
    let sig = raw.sign(&p);
    let sender_vk = env.sender.verifying_key().unwrap();
    let (env_verify, raw_verify) = common::compare(
        budget,
        || {
            let e = Envelope::decode(black_box(&wire)).unwrap();
            e.verify_signature_with_key(&sender_vk).unwrap();
        },
        || {
            vk.verify(black_box(&p), &sig).unwrap();
        },
    );
    println!(
        "envelope decode+verify, sender key cached as in Verifier ({PAYLOAD} B payload, {} B wire): {env_verify:.0}/s, raw ed25519 verify (decoded key): {raw_verify:.0}/s, ratio {:.3} (target >= 0.90)",
        wire.len(),
        env_verify / raw_verify
    );
    let (cold, raw_cold) = common::compare(
        budget,
        || {
            let e = Envelope::decode(black_box(&wire)).unwrap();
            e.verify_signature().unwrap();
        },
        || {
            let k = ed25519_dalek::VerifyingKey::from_bytes(black_box(vk.as_bytes())).unwrap();
            k.verify(black_box(&p), &sig).unwrap();
        },
    );
    println!(
        "envelope decode+verify, first message from a sender (key decompressed, weak-key check): {cold:.0}/s, raw ed25519 decompress+verify: {raw_cold:.0}/s, ratio {:.3}",
        cold / raw_cold
    );

    let envs = batch();
    let (batched, single) = common::compare(
        budget,
        || {
            assert!(
                verify_signatures_batch(black_box(&envs))
                    .iter()
                    .all(Result::is_ok)
            );
        },
        || {
            for e in &envs {
                e.verify_signature().unwrap();
            }
        },
    );
    println!(
        "batch verify of {BATCH} envelopes: {:.0} envelopes/s, one by one: {:.0} envelopes/s, speed-up {:.2}x",
        batched * BATCH as f64,
        single * BATCH as f64,
        batched / single
    );
}

fn batch() -> Vec<Envelope> {
    (0..BATCH)
        .map(|i| {
            let k = AgentKey::from_secret_bytes(&[i as u8; 32]);
            Envelope::sign(
                &k,
                "aos/result/v1",
                1,
                i as u64,
                1_700_000_000_000,
                payload(),
            )
            .unwrap()
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    print_ratios();
    let key = AgentKey::from_secret_bytes(&[7; 32]);
    let raw = SigningKey::from_bytes(&[7; 32]);
    let vk = raw.verifying_key();
    let p = payload();

    let mut g = c.benchmark_group("sign_256B");
    g.throughput(Throughput::Elements(1));
    g.bench_function("envelope", |b| {
        b.iter_batched(
            || p.clone(),
            |p| Envelope::sign(&key, "aos/task-announce/v1", 1, 42, 1_700_000_000_000, p).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("raw_ed25519", |b| b.iter(|| raw.sign(black_box(&p))));
    g.finish();

    let env = Envelope::sign(
        &key,
        "aos/task-announce/v1",
        1,
        42,
        1_700_000_000_000,
        p.clone(),
    )
    .unwrap();
    let wire = env.encode();
    let sig = raw.sign(&p);
    let sender_vk = env.sender.verifying_key().unwrap();
    let mut g = c.benchmark_group("verify_256B");
    g.throughput(Throughput::Elements(1));
    g.bench_function("envelope_decode_verify", |b| {
        b.iter(|| {
            Envelope::decode(black_box(&wire))
                .unwrap()
                .verify_signature_with_key(&sender_vk)
                .unwrap()
        })
    });
    g.bench_function("raw_ed25519", |b| {
        b.iter(|| vk.verify(black_box(&p), &sig).unwrap())
    });
    g.finish();

    let envs = batch();
    let mut g = c.benchmark_group("verify_64_envelopes");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("batch", |b| {
        b.iter(|| verify_signatures_batch(black_box(&envs)))
    });
    g.bench_function("one_by_one", |b| {
        b.iter(|| envs.iter().all(|e| e.verify_signature().is_ok()))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(20)
}

criterion_group! { name = group; config = config(); targets = benches }
criterion_main!(group);
