// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title KarmaMath — fixed-point karma rules (WAD: 1e18 = 1.0)
/// @notice Bit-exact with aos-protocol `karma::math` and with the reference generator
///         script/gen_karma_vectors.py; contracts/test/vectors/karma.json holds the shared
///         vectors both test suites check.
library KarmaMath {
    uint256 internal constant WAD = 1e18;

    /// @notice Exponential moving average (white paper §5.3):
    ///         `floor((old·(WAD−α) + outcome·α) / WAD)`. Inputs ≤ WAD keep the result ≤ WAD.
    function ema(uint256 old, uint256 outcome, uint256 alpha) internal pure returns (uint256) {
        return (old * (WAD - alpha) + outcome * alpha) / WAD;
    }

    /// @notice α for the `levels`-th delegator of a sub-task (§6.4: karma flows up,
    ///         attenuated): α, then `levels` times `floor(a·att / WAD)`.
    function attenuate(uint256 alpha, uint256 attenuation, uint256 levels)
        internal
        pure
        returns (uint256 a)
    {
        a = alpha;
        for (uint256 i; i < levels; ++i) {
            a = a * attenuation / WAD;
        }
    }

    /// @notice Temporal decay toward 0 (§5.2): exact halving at each whole half-life,
    ///         linear in between — `v = value >> n` (n = elapsed / halfLife, 0 if n ≥ 64),
    ///         then `v − floor(v·r / (2·halfLife))` with r = elapsed mod halfLife. A piecewise
    ///         linear form of 2^(−t/h): exact at multiples of h, ≤ 6.1% above it between,
    ///         monotone. halfLife = 0 disables decay. Inputs are < 2^64.
    function decay(uint256 value, uint256 elapsed, uint256 halfLife)
        internal
        pure
        returns (uint256)
    {
        if (halfLife == 0) return value;
        uint256 n = elapsed / halfLife;
        if (n >= 64) return 0;
        uint256 v = value >> n;
        uint256 r = elapsed % halfLife;
        return v - (v * r) / (2 * halfLife);
    }
}
