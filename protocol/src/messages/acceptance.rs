//! Acceptance criteria: the part of a task spec (white paper §6.2) that says how a result
//! is judged, so requester, worker and jurors reach the same verdict from the same
//! content-addressed spec (issue 13, DESIGN.md "Verification flow"). The evaluator that
//! runs them is the `aos-verify` crate; this module holds only the data and its rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{MAX_ID_LEN, check_str};
use super::error::MessageError;
use super::human::{Coordinates, MAX_RADIUS_M};
use crate::content::ContentId;

/// Most deterministic checks in one [`Acceptance`].
pub const MAX_ACCEPTANCE_CHECKS: usize = 32;
/// Longest [`Check::Pattern`] regex, bytes.
pub const MAX_REGEX_LEN: usize = 1024;
/// Longest [`Check::QuotesInInput`] JSON pointer, bytes.
pub const MAX_POINTER_LEN: usize = 256;
/// Largest [`Check::JsonSchema`] schema, bytes of compact JSON.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;
/// Most WASM fuel a [`WasmChecker`] may ask for (2·10⁹ units; `wasmi` charges about one
/// unit per instruction, so a few seconds of interpretation on one core).
pub const MAX_CHECKER_FUEL: u64 = 2_000_000_000;
/// Most linear memory a [`WasmChecker`] may ask for, bytes (256 MiB).
pub const MAX_CHECKER_MEMORY_BYTES: u64 = 256 << 20;
/// Least linear memory a [`WasmChecker`] may ask for: one WASM page, 64 KiB.
pub const MIN_CHECKER_MEMORY_BYTES: u64 = 64 << 10;
/// Longest wall-clock timeout a [`WasmChecker`] may ask for, ms (30 s).
pub const MAX_CHECKER_TIMEOUT_MS: u64 = 30_000;
/// Most rubric criteria.
pub const MAX_RUBRIC_CRITERIA: usize = 16;
/// Longest rubric criterion, bytes.
pub const MAX_CRITERION_LEN: usize = 1024;
/// Basis points in 1.0 (`10 000 bps = 100 %`): every score and threshold is in
/// `0..=BPS`.
pub const BPS: u16 = 10_000;

/// How a task's result is judged (issue 13): deterministic [`checks`](Self::checks), an
/// optional WASM [`checker`](Self::checker) program (white paper §8.1 sandboxing), an
/// optional [`photo`](Self::photo) geolocation (§6.3), an optional [`rubric`](Self::rubric)
/// for a judge, and an optional [`agreement`](Self::agreement) across redundant workers.
///
/// Rules ([`Acceptance::validate`]): at least one criterion; at most
/// [`MAX_ACCEPTANCE_CHECKS`] checks, each valid ([`Check`]); the checker, photo, rubric
/// and agreement valid by their own rules.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Deterministic checks of the output, run in order.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// A WASM program that checks the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checker: Option<WasmChecker>,
    /// The output is a photo's content id; the photo must have been taken here, then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoGeolocation>,
    /// Open-ended work: a judge scores the output against these criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric: Option<Rubric>,
    /// Redundant execution: the same step goes to `k` workers and those who agree are paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

impl Acceptance {
    /// The schema of the first [`Check::JsonSchema`], if any: the output must be JSON of
    /// this shape (model executors constrain generation with it).
    pub fn json_schema(&self) -> Option<&serde_json::Value> {
        self.checks.iter().find_map(|c| match c {
            Check::JsonSchema { schema } => Some(schema),
            _ => None,
        })
    }

    /// The `field` of the first [`Check::QuotesInInput`], if any (`Some(None)`: the whole
    /// output's quotes).
    pub fn quotes_field(&self) -> Option<Option<&str>> {
        self.checks.iter().find_map(|c| match c {
            Check::QuotesInInput { field } => Some(field.as_deref()),
            _ => None,
        })
    }

    /// Checks the rules in the type's docs.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] naming the field (`acceptance.checks`, …).
    pub fn validate(&self) -> Result<(), MessageError> {
        let empty = self.checks.is_empty()
            && self.checker.is_none()
            && self.photo.is_none()
            && self.rubric.is_none()
            && self.agreement.is_none();
        if empty {
            return Err(MessageError::invalid(
                "acceptance",
                "names no check, checker, photo, rubric or agreement (omit it instead)",
            ));
        }
        if self.checks.len() > MAX_ACCEPTANCE_CHECKS {
            return Err(MessageError::invalid(
                "acceptance.checks",
                format!("more than {MAX_ACCEPTANCE_CHECKS} checks"),
            ));
        }
        self.checks.iter().try_for_each(Check::validate)?;
        if let Some(c) = &self.checker {
            c.validate()?;
        }
        if let Some(p) = &self.photo {
            p.validate()?;
        }
        if let Some(r) = &self.rubric {
            r.validate()?;
        }
        if let Some(a) = &self.agreement {
            a.validate()?;
        }
        Ok(())
    }
}

/// One deterministic check of a result's `output` (a string). Every check gives the same
/// outcome on every machine for the same spec and output.
///
/// Rules: `pattern.regex` non-empty, ≤ [`MAX_REGEX_LEN`] bytes; `json_schema.schema` an
/// object or a boolean, ≤ [`MAX_SCHEMA_BYTES`]; `length` names a bound and `min_chars ≤
/// max_chars`; `numeric` values finite, `tolerance ≥ 0`; `quotes_in_input.field` a JSON
/// pointer (RFC 6901: empty or starting with `/`) ≤ [`MAX_POINTER_LEN`] bytes;
/// `language.code` three lowercase ASCII letters (ISO 639-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The output parses as JSON and validates against `schema` (JSON Schema; the draft
    /// is read from `$schema`, 2020-12 when absent). No remote or file `$ref`s are fetched.
    JsonSchema {
        /// The schema.
        schema: serde_json::Value,
    },
    /// A regular expression (Rust `regex` syntax: no look-around or back-references, so
    /// matching is linear in the output's length) that must match somewhere in the output
    /// (`required: true`) or must match nowhere (`required: false`, a forbidden pattern).
    Pattern {
        /// The expression.
        regex: String,
        /// `true`: must match; `false`: must not.
        required: bool,
    },
    /// Bounds on the output's length in Unicode scalar values (Rust `char`s).
    Length {
        /// Fewest chars, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_chars: Option<u32>,
        /// Most chars, inclusive.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_chars: Option<u32>,
    },
    /// The output, trimmed, is a decimal number `x` with `|x − expected| ≤ tolerance`.
    Numeric {
        /// The right answer.
        expected: f64,
        /// Largest allowed absolute error.
        tolerance: f64,
    },
    /// Every quoted fact in the output occurs verbatim in the task's input (extraction
    /// tasks: nothing invented). Without `field`, the quoted facts are the spans inside
    /// double quotes (`"…"` or `“…”`) of the output text; with `field`, the output must be
    /// JSON and they are every string value under that JSON pointer. A fact occurs when it
    /// is a substring of one of the input's string values, both with whitespace runs
    /// collapsed to one space and trimmed; case counts.
    QuotesInInput {
        /// JSON pointer (RFC 6901) into the output, e.g. `/events`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    /// The output's language, detected by `whatlang`, is `code`.
    Language {
        /// ISO 639-3 code, e.g. `"eng"`.
        code: String,
    },
}

impl Check {
    /// The check's `kind` tag as it appears in JSON and in a verdict's outcomes
    /// (`"json_schema"`, `"pattern"`, `"length"`, `"numeric"`, `"quotes_in_input"`,
    /// `"language"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::JsonSchema { .. } => "json_schema",
            Self::Pattern { .. } => "pattern",
            Self::Length { .. } => "length",
            Self::Numeric { .. } => "numeric",
            Self::QuotesInInput { .. } => "quotes_in_input",
            Self::Language { .. } => "language",
        }
    }

    /// Checks the rules in the type's docs.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), MessageError> {
        match self {
            Self::JsonSchema { schema } => {
                if !(schema.is_object() || schema.is_boolean()) {
                    return Err(MessageError::invalid(
                        "acceptance.checks.schema",
                        "must be a JSON object or boolean",
                    ));
                }
                let len = serde_json::to_vec(schema).map(|v| v.len()).unwrap_or(0);
                if len > MAX_SCHEMA_BYTES {
                    return Err(MessageError::invalid(
                        "acceptance.checks.schema",
                        format!("{len} bytes, above {MAX_SCHEMA_BYTES}"),
                    ));
                }
                Ok(())
            }
            Self::Pattern { regex, .. } => {
                check_str("acceptance.checks.regex", regex, MAX_REGEX_LEN, false)?;
                if regex.is_empty() {
                    return Err(MessageError::invalid(
                        "acceptance.checks.regex",
                        "must not be empty",
                    ));
                }
                Ok(())
            }
            Self::Length {
                min_chars,
                max_chars,
            } => match (min_chars, max_chars) {
                (None, None) => Err(MessageError::invalid(
                    "acceptance.checks.min_chars",
                    "a length check needs min_chars or max_chars",
                )),
                (Some(lo), Some(hi)) if lo > hi => Err(MessageError::invalid(
                    "acceptance.checks.min_chars",
                    format!("min_chars {lo} above max_chars {hi}"),
                )),
                _ => Ok(()),
            },
            Self::Numeric {
                expected,
                tolerance,
            } => {
                if !expected.is_finite() {
                    return Err(MessageError::invalid(
                        "acceptance.checks.expected",
                        "must be finite",
                    ));
                }
                if !(tolerance.is_finite() && *tolerance >= 0.0) {
                    return Err(MessageError::invalid(
                        "acceptance.checks.tolerance",
                        "must be finite and ≥ 0",
                    ));
                }
                Ok(())
            }
            Self::QuotesInInput { field } => match field {
                Some(p) if p.len() > MAX_POINTER_LEN => Err(MessageError::invalid(
                    "acceptance.checks.field",
                    format!("longer than {MAX_POINTER_LEN} bytes"),
                )),
                Some(p) if !(p.is_empty() || p.starts_with('/')) => Err(MessageError::invalid(
                    "acceptance.checks.field",
                    "must be a JSON pointer: empty or starting with /",
                )),
                _ => Ok(()),
            },
            Self::Language { code } => {
                if code.len() == 3 && code.bytes().all(|b| b.is_ascii_lowercase()) {
                    Ok(())
                } else {
                    Err(MessageError::invalid(
                        "acceptance.checks.code",
                        "must be an ISO 639-3 code: three lowercase letters, e.g. eng",
                    ))
                }
            }
        }
    }
}

/// A checker program (white paper §8.1 "Agents run in isolated JavaScript/WASM contexts",
/// "Compute and storage quotas enforced"): a WASM module stored as a blob, run by
/// `aos-verify`'s sandbox on (task input, output) with these limits. Its ABI is
/// documented in `aos-verify`'s `sandbox` module.
///
/// Rules: `1 ≤ fuel ≤` [`MAX_CHECKER_FUEL`]; [`MIN_CHECKER_MEMORY_BYTES`] `≤ memory_bytes ≤`
/// [`MAX_CHECKER_MEMORY_BYTES`]; `1 ≤ timeout_ms ≤` [`MAX_CHECKER_TIMEOUT_MS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WasmChecker {
    /// The module's blob id (BLAKE3 of the `.wasm` bytes).
    pub module: ContentId,
    /// Fuel budget (`wasmi` fuel units; deterministic, so every juror stops at the same
    /// instruction).
    pub fuel: u64,
    /// Largest linear memory, bytes.
    pub memory_bytes: u64,
    /// Wall-clock limit, ms: a safety net for a slow machine; set it well above the time
    /// the fuel takes, since only fuel is deterministic.
    pub timeout_ms: u64,
}

impl WasmChecker {
    /// Checks the rules in the type's docs.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), MessageError> {
        if !(1..=MAX_CHECKER_FUEL).contains(&self.fuel) {
            return Err(MessageError::invalid(
                "acceptance.checker.fuel",
                format!("must be in 1..={MAX_CHECKER_FUEL}"),
            ));
        }
        if !(MIN_CHECKER_MEMORY_BYTES..=MAX_CHECKER_MEMORY_BYTES).contains(&self.memory_bytes) {
            return Err(MessageError::invalid(
                "acceptance.checker.memory_bytes",
                format!("must be in {MIN_CHECKER_MEMORY_BYTES}..={MAX_CHECKER_MEMORY_BYTES}"),
            ));
        }
        if !(1..=MAX_CHECKER_TIMEOUT_MS).contains(&self.timeout_ms) {
            return Err(MessageError::invalid(
                "acceptance.checker.timeout_ms",
                format!("must be in 1..={MAX_CHECKER_TIMEOUT_MS}"),
            ));
        }
        Ok(())
    }
}

/// Photo geolocation (white paper §6.3 `"verification": {"type": "photo_geolocation",
/// "coordinates": …, "radius_meters": 50}`), with the task's time window: the result's
/// `output` is the photo's content id (`blake3:<hex>` or `0x<hex>`), and the photo's EXIF
/// GPS position must lie within `radius_meters` of (`lat`, `lng`) and its
/// `DateTimeOriginal` inside `[not_before_ms, not_after_ms]`.
///
/// Rules: `lat ∈ [-90, 90]`, `lng ∈ [-180, 180]`; `0 < radius_meters ≤`
/// [`MAX_RADIUS_M`]; `not_before_ms ≤ not_after_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoGeolocation {
    /// Target latitude, WGS 84 degrees.
    pub lat: f64,
    /// Target longitude, WGS 84 degrees.
    pub lng: f64,
    /// Allowed great-circle distance from the target, metres.
    pub radius_meters: f64,
    /// Earliest capture time, Unix ms (inclusive).
    pub not_before_ms: u64,
    /// Latest capture time, Unix ms (inclusive).
    pub not_after_ms: u64,
}

impl PhotoGeolocation {
    /// The target as [`Coordinates`].
    pub fn target(&self) -> Coordinates {
        Coordinates {
            lat: self.lat,
            lng: self.lng,
        }
    }

    /// Checks the rules in the type's docs.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), MessageError> {
        self.target().check("acceptance.photo")?;
        if !(self.radius_meters.is_finite()
            && self.radius_meters > 0.0
            && self.radius_meters <= MAX_RADIUS_M)
        {
            return Err(MessageError::invalid(
                "acceptance.photo.radius_meters",
                format!("must be in (0, {MAX_RADIUS_M}]"),
            ));
        }
        if self.not_before_ms > self.not_after_ms {
            return Err(MessageError::invalid(
                "acceptance.photo.not_before_ms",
                "after not_after_ms",
            ));
        }
        Ok(())
    }
}

/// A rubric for open-ended work: a judge (local model, cloud model or person) scores the
/// output against the task input and these criteria; the result passes when the score
/// reaches `threshold_bps`. The judge's identity, score and rationale go into the
/// verdict.
///
/// Rules: 1 ≤ criteria ≤ [`MAX_RUBRIC_CRITERIA`], each non-empty ≤ [`MAX_CRITERION_LEN`]
/// bytes; `threshold_bps ≤ 10 000`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// What a good answer does, one criterion per item.
    pub criteria: Vec<String>,
    /// Lowest passing score, basis points (`6000` = 60 %).
    pub threshold_bps: u16,
}

impl Rubric {
    /// Checks the rules in the type's docs.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), MessageError> {
        if self.criteria.is_empty() || self.criteria.len() > MAX_RUBRIC_CRITERIA {
            return Err(MessageError::invalid(
                "acceptance.rubric.criteria",
                format!("needs 1..={MAX_RUBRIC_CRITERIA} criteria"),
            ));
        }
        for c in &self.criteria {
            check_str("acceptance.rubric.criteria", c, MAX_CRITERION_LEN, true)?;
        }
        check_bps("acceptance.rubric.threshold_bps", self.threshold_bps)
    }
}

/// How two answers are compared in an [`Agreement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementMeasure {
    /// Equal after normalising: trimmed, whitespace runs collapsed to one space,
    /// lowercased (Unicode). Similarity 10 000 bps or 0.
    Exact,
    /// Jaccard similarity of the answers' word sets (`|A ∩ B| / |A ∪ B|`; words are runs
    /// of alphanumeric chars, lowercased), in basis points.
    Jaccard,
}

/// Redundant execution: the requester posts the same step to `k` workers; answers whose
/// similarity (by `measure`) reaches `threshold_bps` agree, the largest group of agreeing
/// answers is paid and the others are rejected with the group's answers as evidence.
///
/// Rules: `2 ≤ k ≤ 9`; `threshold_bps ≤ 10 000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// Workers asked.
    pub k: u8,
    /// How answers are compared.
    pub measure: AgreementMeasure,
    /// Least similarity for two answers to agree, basis points.
    pub threshold_bps: u16,
}

impl Agreement {
    /// Checks the rules in the type's docs.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), MessageError> {
        if !(2..=9).contains(&self.k) {
            return Err(MessageError::invalid(
                "acceptance.agreement.k",
                "must be in 2..=9",
            ));
        }
        check_bps("acceptance.agreement.threshold_bps", self.threshold_bps)
    }
}

/// Checks a basis-point value is at most [`BPS`].
pub(crate) fn check_bps(field: &'static str, bps: u16) -> Result<(), MessageError> {
    if bps > BPS {
        return Err(MessageError::invalid(
            field,
            format!("{bps} bps is above {BPS}"),
        ));
    }
    Ok(())
}

/// A check kind or judge identity is a short identifier.
pub(crate) const MAX_KIND_LEN: usize = MAX_ID_LEN;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checker() -> WasmChecker {
        WasmChecker {
            module: ContentId::of(b"wasm"),
            fuel: 1_000_000,
            memory_bytes: 1 << 20,
            timeout_ms: 1000,
        }
    }

    #[test]
    fn parses_every_kind_and_round_trips() {
        let j = json!({
            "checks": [
                {"kind": "json_schema", "schema": {"type": "object"}},
                {"kind": "pattern", "regex": "\\d{4}", "required": true},
                {"kind": "length", "max_chars": 500},
                {"kind": "numeric", "expected": 42.0, "tolerance": 0.5},
                {"kind": "quotes_in_input", "field": "/events"},
                {"kind": "quotes_in_input"},
                {"kind": "language", "code": "eng"}
            ],
            "checker": {"module": format!("blake3:{}", "ab".repeat(32)), "fuel": 1000, "memory_bytes": 65536, "timeout_ms": 100},
            "photo": {"lat": 37.7749, "lng": -122.4194, "radius_meters": 50.0, "not_before_ms": 0, "not_after_ms": 1},
            "rubric": {"criteria": ["cites the report"], "threshold_bps": 6000},
            "agreement": {"k": 3, "measure": "jaccard", "threshold_bps": 8000}
        });
        let a: Acceptance = serde_json::from_value(j).unwrap();
        a.validate().unwrap();
        assert_eq!(a.checks.len(), 7);
        assert_eq!(a.checks[4].kind(), "quotes_in_input");
        let back: Acceptance = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn refuses_unknown_fields_and_kinds() {
        for bad in [
            json!({"checks": [{"kind": "pattern", "regex": "x", "required": true, "extra": 1}]}),
            json!({"checks": [{"kind": "telepathy"}]}),
            json!({"checks": [], "surprise": true}),
            json!({"agreement": {"k": 3, "measure": "cosine", "threshold_bps": 1}}),
        ] {
            assert!(
                serde_json::from_value::<Acceptance>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn validate_refuses_what_breaks_the_rules() {
        let bad: Vec<Acceptance> = vec![
            Acceptance::default(),
            Acceptance {
                checks: vec![Check::Length {
                    min_chars: Some(5),
                    max_chars: Some(4),
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Length {
                    min_chars: None,
                    max_chars: None,
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Numeric {
                    expected: f64::NAN,
                    tolerance: 1.0,
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Numeric {
                    expected: 1.0,
                    tolerance: -1.0,
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Pattern {
                    regex: String::new(),
                    required: true,
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Pattern {
                    regex: "a".repeat(MAX_REGEX_LEN + 1),
                    required: true,
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::JsonSchema { schema: json!(3) }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::QuotesInInput {
                    field: Some("events".into()),
                }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Language { code: "en".into() }],
                ..Default::default()
            },
            Acceptance {
                checks: vec![Check::Language { code: "eng".into() }; MAX_ACCEPTANCE_CHECKS + 1],
                ..Default::default()
            },
            Acceptance {
                checker: Some(WasmChecker {
                    fuel: MAX_CHECKER_FUEL + 1,
                    ..checker()
                }),
                ..Default::default()
            },
            Acceptance {
                checker: Some(WasmChecker {
                    memory_bytes: 4 << 30,
                    ..checker()
                }),
                ..Default::default()
            },
            Acceptance {
                checker: Some(WasmChecker {
                    timeout_ms: 0,
                    ..checker()
                }),
                ..Default::default()
            },
            Acceptance {
                photo: Some(PhotoGeolocation {
                    lat: 91.0,
                    lng: 0.0,
                    radius_meters: 10.0,
                    not_before_ms: 0,
                    not_after_ms: 1,
                }),
                ..Default::default()
            },
            Acceptance {
                photo: Some(PhotoGeolocation {
                    lat: 0.0,
                    lng: 0.0,
                    radius_meters: 10.0,
                    not_before_ms: 2,
                    not_after_ms: 1,
                }),
                ..Default::default()
            },
            Acceptance {
                rubric: Some(Rubric {
                    criteria: vec![],
                    threshold_bps: 5000,
                }),
                ..Default::default()
            },
            Acceptance {
                rubric: Some(Rubric {
                    criteria: vec!["good".into()],
                    threshold_bps: 10_001,
                }),
                ..Default::default()
            },
            Acceptance {
                agreement: Some(Agreement {
                    k: 10,
                    measure: AgreementMeasure::Exact,
                    threshold_bps: 10_000,
                }),
                ..Default::default()
            },
        ];
        for a in bad {
            assert!(a.validate().is_err(), "{a:?}");
        }
        let ok = Acceptance {
            checker: Some(checker()),
            ..Default::default()
        };
        ok.validate().unwrap();
    }
}
