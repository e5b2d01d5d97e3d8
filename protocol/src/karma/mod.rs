//! Karma vectors and their fixed-point math (white paper §5; DESIGN.md "Karma vectors").
//!
//! * [`math`]: EMA update, delegation attenuation and temporal decay in WAD fixed point
//!   (1e18 = 1.0), bit-exact with `contracts/src/libraries/KarmaMath.sol` and
//!   `script/gen_karma_vectors.py` (the reference).
//! * [`vector`]: the §5.1 vector and its JSON shape.
//! * [`requirement`]: `"accuracy.financial_analysis": 0.75`-style requirements.
//! * [`aggregate`]: karma-weighted aggregation weights (§4.4).

pub mod aggregate;
pub mod math;
pub mod requirement;
pub mod vector;

pub use aggregate::{DEFAULT_WEIGHT_FLOOR, aggregation_weights};
pub use math::{
    ALPHA_DEFAULT, ATTENUATION_DEFAULT, KarmaMathError, MAX_ATTENUATION_LEVELS, WAD, attenuate,
    decay, ema, wad_from_f64, wad_to_f64,
};
pub use requirement::{Dimension, RequirementError, check_requirements, check_skills};
pub use vector::{KarmaProfile, KarmaVector, Reliability};
