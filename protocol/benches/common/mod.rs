//! Shared helpers for the benches: an interleaved timing loop used to print explicit
//! ratios on a shared, noisy machine.

use std::time::{Duration, Instant};

fn rate(round: Duration, f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < round {
        for _ in 0..8 {
            f();
        }
        n += 8;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Measures `a` and `b` in alternating rounds for about `budget` in all and returns the
/// best round of each in operations per second (best-of filters out interference from
/// other processes on the machine).
pub(crate) fn compare(budget: Duration, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    for _ in 0..4 {
        a();
        b();
    }
    let rounds = 20;
    let round = budget / (2 * rounds);
    let (mut best_a, mut best_b) = (0f64, 0f64);
    for _ in 0..rounds {
        best_a = best_a.max(rate(round, &mut a));
        best_b = best_b.max(rate(round, &mut b));
    }
    (best_a, best_b)
}
