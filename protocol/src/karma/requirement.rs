//! Karma requirements: keys like `"accuracy.financial_analysis"`,
//! `"reliability.task_completion"`, `"skills.python"`, `"data_access.bloomberg_terminal"`,
//! `"trust_depth"`, `"total_tasks"`, `"total_earnings"` mapped to minimum values (white
//! paper §6.2 `requirements.karma_min`; DESIGN.md "Karma vectors").
//!
//! A `data_access.*` requirement is met when the source is `true` and the minimum is ≤ 1
//! (booleans read as 0.0 / 1.0). Missing scores read as 0.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::vector::KarmaVector;

/// Longest accepted requirement key, in bytes.
pub const MAX_KEY_LEN: usize = 128;

/// Errors from parsing or checking requirements.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RequirementError {
    /// The key is not `<group>.<name>` with a known group, or a known scalar.
    #[error("unknown karma dimension {0:?}")]
    UnknownDimension(String),
    /// The minimum is not a finite number ≥ 0 (or a fraction above 1).
    #[error("invalid minimum {min} for {key}")]
    InvalidMinimum {
        /// The key.
        key: String,
        /// The minimum given.
        min: f64,
    },
    /// The vector does not meet a requirement.
    #[error("requirement {key} ≥ {required} not met (has {actual})")]
    Unmet {
        /// The key of the first unmet requirement (in key order).
        key: String,
        /// The minimum.
        required: f64,
        /// The vector's value.
        actual: f64,
    },
    /// A required skill is absent (score 0).
    #[error("required skill {0:?} missing")]
    MissingSkill(String),
}

/// A reliability sub-score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReliabilityKey {
    /// `reliability.uptime`
    Uptime,
    /// `reliability.response_time`
    ResponseTime,
    /// `reliability.task_completion`
    TaskCompletion,
}

/// One karma dimension, parsed from its dotted key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    /// `accuracy.<domain>`, fraction.
    Accuracy(String),
    /// `skills.<skill>`, fraction.
    Skill(String),
    /// `reliability.<key>`, fraction.
    Reliability(ReliabilityKey),
    /// `data_access.<source>`, boolean read as 0/1.
    DataAccess(String),
    /// `trust_depth`, a count.
    TrustDepth,
    /// `total_tasks`, a count.
    TotalTasks,
    /// `total_earnings`, currency display units.
    TotalEarnings,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl FromStr for Dimension {
    type Err = RequirementError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        let unknown =
            || RequirementError::UnknownDimension(key.chars().take(MAX_KEY_LEN).collect());
        if key.len() > MAX_KEY_LEN {
            return Err(unknown());
        }
        match key {
            "trust_depth" => return Ok(Self::TrustDepth),
            "total_tasks" => return Ok(Self::TotalTasks),
            "total_earnings" => return Ok(Self::TotalEarnings),
            _ => {}
        }
        let (group, name) = key.split_once('.').ok_or_else(unknown)?;
        if !valid_name(name) {
            return Err(unknown());
        }
        Ok(match group {
            "accuracy" => Self::Accuracy(name.to_owned()),
            "skills" => Self::Skill(name.to_owned()),
            "data_access" => Self::DataAccess(name.to_owned()),
            "reliability" => Self::Reliability(match name {
                "uptime" => ReliabilityKey::Uptime,
                "response_time" => ReliabilityKey::ResponseTime,
                "task_completion" => ReliabilityKey::TaskCompletion,
                _ => return Err(unknown()),
            }),
            _ => return Err(unknown()),
        })
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accuracy(n) => write!(f, "accuracy.{n}"),
            Self::Skill(n) => write!(f, "skills.{n}"),
            Self::DataAccess(n) => write!(f, "data_access.{n}"),
            Self::Reliability(ReliabilityKey::Uptime) => f.write_str("reliability.uptime"),
            Self::Reliability(ReliabilityKey::ResponseTime) => {
                f.write_str("reliability.response_time")
            }
            Self::Reliability(ReliabilityKey::TaskCompletion) => {
                f.write_str("reliability.task_completion")
            }
            Self::TrustDepth => f.write_str("trust_depth"),
            Self::TotalTasks => f.write_str("total_tasks"),
            Self::TotalEarnings => f.write_str("total_earnings"),
        }
    }
}

impl Dimension {
    /// Whether the dimension is a fraction in `[0, 1]` (so minimums above 1 are invalid).
    pub fn is_fraction(&self) -> bool {
        !matches!(
            self,
            Self::TrustDepth | Self::TotalTasks | Self::TotalEarnings
        )
    }

    /// Checks `min` is a valid minimum for this dimension.
    ///
    /// # Errors
    /// [`RequirementError::InvalidMinimum`].
    pub fn check_minimum(&self, min: f64) -> Result<(), RequirementError> {
        if !min.is_finite() || min < 0.0 || (self.is_fraction() && min > 1.0) {
            return Err(RequirementError::InvalidMinimum {
                key: self.to_string(),
                min,
            });
        }
        Ok(())
    }
}

impl KarmaVector {
    /// The vector's value on `dim` (missing → 0, booleans → 0/1).
    pub fn get(&self, dim: &Dimension) -> f64 {
        match dim {
            Dimension::Accuracy(n) => self.accuracy.get(n).copied().unwrap_or(0.0),
            Dimension::Skill(n) => self.skills.get(n).copied().unwrap_or(0.0),
            Dimension::DataAccess(n) => {
                if self.data_access.get(n).copied().unwrap_or(false) {
                    1.0
                } else {
                    0.0
                }
            }
            Dimension::Reliability(ReliabilityKey::Uptime) => self.reliability.uptime,
            Dimension::Reliability(ReliabilityKey::ResponseTime) => self.reliability.response_time,
            Dimension::Reliability(ReliabilityKey::TaskCompletion) => {
                self.reliability.task_completion
            }
            Dimension::TrustDepth => f64::from(self.trust_depth),
            Dimension::TotalTasks => self.total_tasks as f64,
            Dimension::TotalEarnings => self.total_earnings,
        }
    }
}

/// Parses and validates a `karma_min` map without checking any vector.
///
/// # Errors
/// [`RequirementError::UnknownDimension`] or [`RequirementError::InvalidMinimum`].
pub fn parse_requirements(
    karma_min: &BTreeMap<String, f64>,
) -> Result<Vec<(Dimension, f64)>, RequirementError> {
    karma_min
        .iter()
        .map(|(k, &min)| {
            let d: Dimension = k.parse()?;
            d.check_minimum(min)?;
            Ok((d, min))
        })
        .collect()
}

/// Checks `vector` against `karma_min` (key order); a NaN score never meets a minimum.
///
/// # Errors
/// The first failing requirement as [`RequirementError::Unmet`], or a parse error.
pub fn check_requirements(
    vector: &KarmaVector,
    karma_min: &BTreeMap<String, f64>,
) -> Result<(), RequirementError> {
    for (d, min) in parse_requirements(karma_min)? {
        let actual = vector.get(&d);
        // NaN is incomparable and must fail, so test for "not greater or equal"
        if !matches!(
            actual.partial_cmp(&min),
            Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
        ) {
            return Err(RequirementError::Unmet {
                key: d.to_string(),
                required: min,
                actual,
            });
        }
    }
    Ok(())
}

/// Checks every skill in `required` has a score above 0 (white paper §6.2
/// `required_skills`).
///
/// # Errors
/// [`RequirementError::MissingSkill`] for the first missing one.
pub fn check_skills(vector: &KarmaVector, required: &[String]) -> Result<(), RequirementError> {
    for s in required {
        let score = vector.skills.get(s).copied().unwrap_or(0.0);
        if score.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(RequirementError::MissingSkill(s.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_check() {
        let mut v = KarmaVector::default();
        v.accuracy.insert("financial_analysis".into(), 0.8);
        v.reliability.task_completion = 0.85;
        v.data_access.insert("bloomberg_terminal".into(), true);
        let mut req = BTreeMap::new();
        req.insert("accuracy.financial_analysis".to_string(), 0.75);
        req.insert("data_access.bloomberg_terminal".to_string(), 1.0);
        check_requirements(&v, &req).unwrap();
        req.insert("reliability.task_completion".to_string(), 0.9);
        assert_eq!(
            check_requirements(&v, &req),
            Err(RequirementError::Unmet {
                key: "reliability.task_completion".into(),
                required: 0.9,
                actual: 0.85
            })
        );
        assert!("reliability.speed".parse::<Dimension>().is_err());
        assert!("foo".parse::<Dimension>().is_err());
        assert!("skills.".parse::<Dimension>().is_err());
        assert_eq!(
            "skills.python".parse::<Dimension>().unwrap().to_string(),
            "skills.python"
        );
        assert!(check_skills(&v, &["python".into()]).is_err());
    }
}
