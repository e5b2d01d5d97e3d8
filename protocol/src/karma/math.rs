//! WAD fixed-point karma math (1e18 = 1.0), bit-exact with the Solidity `KarmaMath`
//! library. The reference is `script/gen_karma_vectors.py`; the shared vectors are
//! `contracts/test/vectors/karma.json`. All divisions floor; intermediates are u128 so
//! nothing overflows for inputs ≤ 2^64 − 1.

/// 1.0 in WAD fixed point.
pub const WAD: u64 = 1_000_000_000_000_000_000;
/// Default EMA learning rate α = 0.1 (white paper §5.3).
pub const ALPHA_DEFAULT: u64 = WAD / 10;
/// Default attenuation per delegation level, ½ (white paper §6.4 "attenuated").
pub const ATTENUATION_DEFAULT: u64 = WAD / 2;
/// Largest `levels` accepted by [`attenuate`] (chains are far shorter; bounds the loop).
pub const MAX_ATTENUATION_LEVELS: u32 = 256;

/// Errors from karma math on out-of-range inputs (the Solidity side reverts on these).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KarmaMathError {
    /// A WAD-scaled fraction was above 1.0.
    #[error("{name} = {value} exceeds WAD (1.0)")]
    AboveOne {
        /// Which argument.
        name: &'static str,
        /// Its value.
        value: u64,
    },
    /// The result does not fit in 64 bits (only possible with `attenuation > WAD`).
    #[error("attenuated value overflows u64")]
    Overflow,
    /// `levels` above [`MAX_ATTENUATION_LEVELS`].
    #[error("attenuation levels {0} exceed {MAX_ATTENUATION_LEVELS}")]
    TooManyLevels(u32),
}

fn at_most_one(name: &'static str, value: u64) -> Result<(), KarmaMathError> {
    if value > WAD {
        Err(KarmaMathError::AboveOne { name, value })
    } else {
        Ok(())
    }
}

/// Exponential moving average (white paper §5.3):
/// `(old·(WAD − α) + outcome·α) / WAD`, floored. New identities start at 0 (§5.4).
///
/// Scores are WAD fractions (`[0, WAD]` in practice); the result lies between `old` and
/// `outcome`.
///
/// # Errors
/// [`KarmaMathError::AboveOne`] if `alpha > WAD` (the Solidity side reverts).
pub fn ema(old: u64, outcome: u64, alpha: u64) -> Result<u64, KarmaMathError> {
    at_most_one("alpha", alpha)?;
    let w = u128::from(WAD);
    let v =
        (u128::from(old) * (w - u128::from(alpha)) + u128::from(outcome) * u128::from(alpha)) / w;
    // v ≤ max(old, outcome) ≤ u64::MAX
    Ok(v as u64)
}

/// Learning rate for an outcome `levels` delegation hops away (white paper §6.4): start
/// from `alpha`, then `levels` times `a = a·attenuation / WAD` (floored at each step).
///
/// # Errors
/// [`KarmaMathError::Overflow`] if the value leaves 64 bits (`attenuation > WAD`);
/// [`KarmaMathError::TooManyLevels`] if `levels > MAX_ATTENUATION_LEVELS`.
pub fn attenuate(alpha: u64, attenuation: u64, levels: u32) -> Result<u64, KarmaMathError> {
    if levels > MAX_ATTENUATION_LEVELS {
        return Err(KarmaMathError::TooManyLevels(levels));
    }
    let mut a = u128::from(alpha);
    for _ in 0..levels {
        if a == 0 {
            break;
        }
        a = a * u128::from(attenuation) / u128::from(WAD);
        if a > u128::from(u64::MAX) {
            return Err(KarmaMathError::Overflow);
        }
    }
    Ok(a as u64)
}

/// Temporal decay toward 0 (white paper §5.2 "Temporal Decay"): exact halving at each
/// whole `half_life_s`, linear in between (a piecewise-linear 2^(−t/h), at most 6.1 % above
/// the exponential, monotone in `elapsed_s`):
///
/// `value` if `half_life_s == 0`; else `n = elapsed/h`, `v = value >> n` (0 if n ≥ 64),
/// `r = elapsed mod h`, result `v − v·r / (2h)` (floored).
///
/// `value` is any WAD quantity; times are seconds.
pub fn decay(value: u64, elapsed_s: u64, half_life_s: u64) -> u64 {
    if half_life_s == 0 {
        return value;
    }
    let n = elapsed_s / half_life_s;
    let v = if n >= 64 { 0 } else { value >> n };
    let r = elapsed_s % half_life_s;
    let cut = u128::from(v) * u128::from(r) / (2 * u128::from(half_life_s));
    // r < h so cut < v/2
    v - cut as u64
}

/// Converts a fraction such as `0.75` to WAD, rounding to nearest; `None` if not finite,
/// negative, or above `u64::MAX / WAD` (≈ 18.4).
pub fn wad_from_f64(x: f64) -> Option<u64> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let scaled = (x * WAD as f64).round();
    if scaled >= u64::MAX as f64 {
        None
    } else {
        Some(scaled as u64)
    }
}

/// Converts a WAD value to a float (lossy beyond 2^53).
pub fn wad_to_f64(x: u64) -> f64 {
    x as f64 / WAD as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_5_3_trajectory() {
        let mut k = 0;
        for _ in 0..10 {
            k = ema(k, WAD, ALPHA_DEFAULT).unwrap();
        }
        assert_eq!(k, 651_321_559_900_000_000);
        assert!(ema(0, 0, WAD + 1).is_err());
    }

    #[test]
    fn decay_and_attenuate_edges() {
        assert_eq!(decay(WAD, 30, 30), WAD / 2);
        assert_eq!(decay(WAD, 15, 30), 3 * WAD / 4);
        assert_eq!(decay(u64::MAX, u64::MAX, u64::MAX), u64::MAX >> 1);
        assert_eq!(
            attenuate(ALPHA_DEFAULT, ATTENUATION_DEFAULT, 2).unwrap(),
            WAD / 40
        );
        assert!(attenuate(1, 1, MAX_ATTENUATION_LEVELS + 1).is_err());
        assert_eq!(wad_from_f64(0.75), Some(750_000_000_000_000_000));
    }
}
