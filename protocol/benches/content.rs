//! `ContentId::of` on 1 MiB blobs against raw `blake3::hash` (target ratio ≥ 0.95).

use std::hint::black_box;
use std::time::Duration;

use aos_protocol::ContentId;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod common;

const SIZE: usize = 1 << 20;

fn blob() -> Vec<u8> {
    (0..SIZE).map(|i| (i * 31 % 251) as u8).collect()
}

fn benches(c: &mut Criterion) {
    let data = blob();
    let (ours, raw) = common::compare(
        Duration::from_secs(3),
        || {
            black_box(ContentId::of(black_box(&data)));
        },
        || {
            black_box(blake3::hash(black_box(&data)));
        },
    );
    let mib = |ops: f64| ops * SIZE as f64 / (1 << 20) as f64;
    println!(
        "ContentId::of (1 MiB blob): {:.0} MiB/s, raw blake3::hash: {:.0} MiB/s, ratio {:.3} (target >= 0.95)",
        mib(ours),
        mib(raw),
        ours / raw
    );

    let mut g = c.benchmark_group("content_id_1MiB");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.bench_function("ContentId::of", |b| {
        b.iter(|| ContentId::of(black_box(&data)))
    });
    g.bench_function("blake3::hash", |b| {
        b.iter(|| blake3::hash(black_box(&data)))
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
