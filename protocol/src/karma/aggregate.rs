//! Karma-weighted aggregation (white paper §4.4 "Weighted by karma vector of each
//! service").
//!
//! Weights, in WAD (1e18 = 1.0), from karma scores `k_i` (WAD):
//!
//! `k'_i = max(k_i, floor)`, `w_i = ⌊k'_i · WAD / Σ k'_j⌋`, and the rounding remainder
//! `WAD − Σ w_i` (< n) is added to the first largest weight, so the weights sum to exactly
//! `WAD`. With `floor > 0` an all-zero input gives uniform weights and no contributor is
//! silenced entirely; with `floor == 0` and all-zero input the weights are uniform too.

use super::math::WAD;

/// Default floor: 0.001 (1e15 WAD).
pub const DEFAULT_WEIGHT_FLOOR: u64 = WAD / 1000;

/// Normalised weights (module docs). Empty input gives an empty vector.
pub fn aggregation_weights(karma: &[u64], floor: u64) -> Vec<u64> {
    let n = karma.len();
    if n == 0 {
        return Vec::new();
    }
    let floored: Vec<u128> = karma.iter().map(|&k| u128::from(k.max(floor))).collect();
    let total: u128 = floored.iter().sum();
    let wad = u128::from(WAD);
    let mut w: Vec<u64> = if total == 0 {
        vec![(wad / n as u128) as u64; n]
    } else {
        floored.iter().map(|&k| (k * wad / total) as u64).collect()
    };
    let sum: u128 = w.iter().map(|&x| u128::from(x)).sum();
    let rest = (wad - sum) as u64;
    let mut best = 0;
    for (i, &x) in w.iter().enumerate() {
        if x > w[best] {
            best = i;
        }
    }
    w[best] += rest;
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_to_wad() {
        assert_eq!(aggregation_weights(&[0, 0, 0], 0).iter().sum::<u64>(), WAD);
        let w = aggregation_weights(&[WAD, WAD / 3, 0], DEFAULT_WEIGHT_FLOOR);
        assert_eq!(w.iter().sum::<u64>(), WAD);
        assert!(w[0] > w[1] && w[1] > w[2] && w[2] > 0);
        assert_eq!(aggregation_weights(&[5, 5], 0), vec![WAD / 2, WAD / 2]);
        assert!(aggregation_weights(&[], 0).is_empty());
    }
}
