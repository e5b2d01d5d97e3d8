//! The deterministic checks (issue 13 "Deterministic checks"): pure functions of the
//! spec's [`Acceptance`], the task input and the output, with no I/O, clock or
//! randomness, so every requester, worker and juror gets the same outcomes — the jury's
//! Schelling point is the truth (DESIGN.md "Verification flow").
//!
//! | kind | passes when | libraries |
//! |---|---|---|
//! | `json_schema` | the output parses as JSON and validates | `serde_json`, `jsonschema` (linear-time `regex` engine for `pattern`, no remote `$ref`) |
//! | `pattern` | a required regex matches / a forbidden one does not | `regex` (compiled size ≤ [`REGEX_SIZE_LIMIT`]) |
//! | `length` | `min_chars ≤ chars ≤ max_chars` (Unicode scalar values) | |
//! | `numeric` | the trimmed output is a finite number within `tolerance` of `expected` | |
//! | `quotes_in_input` | every quoted fact occurs in the input (whitespace-normalised, case-sensitive) | `serde_json` pointers (RFC 6901), `suffix` (a suffix table of the input: each fact is a binary search) |
//! | `language` | `whatlang` detects the ISO 639-3 `code` | `whatlang` |
//! | `injection_screen` | (added when the spec has a rubric) the output does not address its grader | [`crate::injection`] |
//!
//! A check that cannot run because the spec is broken (a regex or schema that does not
//! compile, an unknown language code) fails with the reason: that, too, is the same for
//! everyone, and shows the jury whose fault it is.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashSet;

use aos_protocol::messages::{Acceptance, BPS, Check, CheckOutcome};
use regex::{Regex, RegexBuilder};
use serde_json::Value;
use suffix::SuffixTable;

use crate::injection;
use crate::text::{collapse_ws_cow, excerpt, outcome, string_leaves};

/// Largest compiled size of a `pattern` regex (or a schema's `pattern`), bytes (1 MiB;
/// `regex`'s default is 10 MiB).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Language is detected on the whole text up to this many bytes; longer texts are
/// sampled in three windows of a third of it (start, middle, end), each of which must be
/// in the expected language, so detection stays fast on a 1 MiB output.
pub const LANGUAGE_SAMPLE_BYTES: usize = 24 * 1024;
/// Most missing quotes named in a failing `quotes_in_input` reason.
const MAX_QUOTES_NAMED: usize = 3;
/// Most schema errors named in a failing `json_schema` reason.
const MAX_SCHEMA_ERRORS_NAMED: usize = 3;

/// Runs every check of `acceptance` on `output` (and the injection screen when it has a
/// rubric), in order: one [`CheckOutcome`] per check. `input` is the spec's `input`,
/// whose string values are what `quotes_in_input` searches.
///
/// To run the same checks on many outputs, compile them once with
/// [`CompiledChecks::new`].
pub fn run_checks(acceptance: &Acceptance, input: &Value, output: &str) -> Vec<CheckOutcome> {
    CompiledChecks::new(acceptance).run(input, output)
}

/// An [`Acceptance`]'s deterministic checks with their regexes and schemas compiled.
#[derive(Debug)]
pub struct CompiledChecks {
    items: Vec<Compiled>,
    screen: bool,
}

#[derive(Debug)]
enum Compiled {
    Schema(Result<Box<jsonschema::Validator>, String>),
    Pattern {
        re: Result<Regex, String>,
        source: String,
        required: bool,
    },
    Length {
        min: Option<u32>,
        max: Option<u32>,
    },
    Numeric {
        expected: f64,
        tolerance: f64,
    },
    Quotes {
        field: Option<String>,
    },
    Language {
        code: String,
        lang: Option<whatlang::Lang>,
    },
}

impl CompiledChecks {
    /// Compiles `acceptance`'s checks. Never fails: a regex or schema that does not
    /// compile becomes a failing outcome when run.
    pub fn new(acceptance: &Acceptance) -> Self {
        let items = acceptance.checks.iter().map(compile).collect();
        Self {
            items,
            screen: acceptance.rubric.is_some(),
        }
    }

    /// Why some check cannot run on any output: a regex or schema that does not compile,
    /// a language `whatlang` does not detect. Empty for a sound set of checks. A spec
    /// with problems is the requester's mistake, not the worker's: workers refuse it and
    /// the evaluator gives no verdict on it.
    pub fn problems(&self) -> Vec<String> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let why = match c {
                    Compiled::Schema(Err(e)) | Compiled::Pattern { re: Err(e), .. } => e.clone(),
                    Compiled::Language { code, lang: None } => {
                        format!("language {code} is not one whatlang detects")
                    }
                    _ => return None,
                };
                Some(format!("checks[{i}]: {why}"))
            })
            .collect()
    }

    /// Runs the checks on `output` (module docs); `input` is the spec's `input`.
    pub fn run(&self, input: &Value, output: &str) -> Vec<CheckOutcome> {
        let ctx = Ctx {
            input,
            output,
            json: OnceCell::new(),
            input_index: OnceCell::new(),
        };
        let mut out: Vec<CheckOutcome> = self.items.iter().map(|c| c.run(&ctx)).collect();
        if self.screen {
            out.push(injection::screen(output));
        }
        out
    }
}

/// What the checks share while running on one output: its JSON parse and the input's
/// normalised strings, each computed at most once.
struct Ctx<'a> {
    input: &'a Value,
    output: &'a str,
    json: OnceCell<Result<Value, String>>,
    input_index: OnceCell<Result<SuffixTable<'static, 'static>, String>>,
}

impl Ctx<'_> {
    fn json(&self) -> &Result<Value, String> {
        self.json.get_or_init(|| {
            serde_json::from_str(self.output).map_err(|e| format!("output is not JSON: {e}"))
        })
    }

    /// A suffix table of the input's string values, whitespace-collapsed, one per line
    /// (a collapsed fact has no newline, so no fact can match across two values).
    fn input_index(&self) -> &Result<SuffixTable<'static, 'static>, String> {
        self.input_index.get_or_init(|| {
            let mut leaves = Vec::new();
            string_leaves(self.input, &mut leaves);
            let mut text = String::new();
            for leaf in leaves {
                text.push_str(&collapse_ws_cow(leaf));
                text.push('\n');
            }
            if u32::try_from(text.len()).is_err() {
                return Err(format!(
                    "the input's {} bytes of text are too many to search",
                    text.len()
                ));
            }
            Ok(SuffixTable::new(text))
        })
    }
}

fn compile(check: &Check) -> Compiled {
    match check {
        Check::JsonSchema { schema } => Compiled::Schema(
            jsonschema::options()
                .with_pattern_options(
                    jsonschema::PatternOptions::regex().size_limit(REGEX_SIZE_LIMIT),
                )
                .build(schema)
                .map(Box::new)
                .map_err(|e| format!("the schema does not compile: {e}")),
        ),
        Check::Pattern { regex, required } => Compiled::Pattern {
            re: RegexBuilder::new(regex)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(2 * REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("the regex `{regex}` does not compile: {e}")),
            source: regex.clone(),
            required: *required,
        },
        Check::Length {
            min_chars,
            max_chars,
        } => Compiled::Length {
            min: *min_chars,
            max: *max_chars,
        },
        Check::Numeric {
            expected,
            tolerance,
        } => Compiled::Numeric {
            expected: *expected,
            tolerance: *tolerance,
        },
        Check::QuotesInInput { field } => Compiled::Quotes {
            field: field.clone(),
        },
        Check::Language { code } => Compiled::Language {
            code: code.clone(),
            lang: whatlang::Lang::from_code(code.as_str()),
        },
    }
}

impl Compiled {
    fn kind(&self) -> &'static str {
        match self {
            Self::Schema(_) => "json_schema",
            Self::Pattern { .. } => "pattern",
            Self::Length { .. } => "length",
            Self::Numeric { .. } => "numeric",
            Self::Quotes { .. } => "quotes_in_input",
            Self::Language { .. } => "language",
        }
    }

    fn run(&self, ctx: &Ctx<'_>) -> CheckOutcome {
        let kind = self.kind();
        let result = match self {
            Self::Schema(v) => schema(v, ctx),
            Self::Pattern {
                re,
                source,
                required,
            } => pattern(re, source, *required, ctx.output),
            Self::Length { min, max } => length(*min, *max, ctx.output),
            Self::Numeric {
                expected,
                tolerance,
            } => numeric(*expected, *tolerance, ctx.output),
            Self::Quotes { field } => quotes(field.as_deref(), ctx),
            Self::Language { code, lang } => language(code, *lang, ctx),
        };
        match result {
            Ok(reason) => outcome(kind, true, BPS, &reason),
            Err(reason) => outcome(kind, false, 0, &reason),
        }
    }
}

/// `Ok(reason)` for a pass, `Err(reason)` for a failure.
type Judged = Result<String, String>;

fn schema(v: &Result<Box<jsonschema::Validator>, String>, ctx: &Ctx<'_>) -> Judged {
    let validator = v.as_ref().map_err(Clone::clone)?;
    let json = ctx.json().as_ref().map_err(Clone::clone)?;
    let mut errors = validator.iter_errors(json);
    let Some(first) = errors.next() else {
        return Ok("the output matches the schema".into());
    };
    let mut named = vec![describe_schema_error(&first)];
    let mut more = 0usize;
    for e in errors {
        if named.len() < MAX_SCHEMA_ERRORS_NAMED {
            named.push(describe_schema_error(&e));
        } else {
            more += 1;
        }
    }
    let tail = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    Err(format!(
        "the output does not match the schema: {}{tail}",
        named.join("; ")
    ))
}

fn describe_schema_error(e: &jsonschema::ValidationError<'_>) -> String {
    let at = e.instance_path().to_string();
    let at = if at.is_empty() { "/".into() } else { at };
    // the message quotes the offending value first: a long one would push the reason
    // (e.g. "has non-unique elements") out of the clipped text, so the value is clipped
    let value = e.instance().to_string();
    let msg = e
        .to_string()
        .replacen(&value, &crate::text::clip(&value, 80), 1);
    crate::text::clip(&format!("at {at}: {msg}"), 240)
}

fn pattern(re: &Result<Regex, String>, source: &str, required: bool, output: &str) -> Judged {
    let re = re.as_ref().map_err(Clone::clone)?;
    let shown = crate::text::clip(source, 200);
    match (re.find(output), required) {
        (Some(m), true) => Ok(format!(
            "required pattern `{shown}` matches at byte {}: {}",
            m.start(),
            excerpt(m.as_str())
        )),
        (None, true) => Err(format!("missing required pattern `{shown}`")),
        (Some(m), false) => Err(format!(
            "forbidden pattern `{shown}` matches at byte {}: {}",
            m.start(),
            excerpt(m.as_str())
        )),
        (None, false) => Ok(format!("forbidden pattern `{shown}` does not match")),
    }
}

fn length(min: Option<u32>, max: Option<u32>, output: &str) -> Judged {
    let n = output.chars().count() as u64;
    let bounds = match (min, max) {
        (Some(lo), Some(hi)) => format!("{lo}..={hi}"),
        (Some(lo), None) => format!("at least {lo}"),
        (None, Some(hi)) => format!("at most {hi}"),
        (None, None) => "any".into(),
    };
    if let Some(lo) = min.filter(|lo| n < u64::from(*lo)) {
        return Err(format!(
            "the output has {n} chars, fewer than the minimum {lo}"
        ));
    }
    if let Some(hi) = max.filter(|hi| n > u64::from(*hi)) {
        return Err(format!(
            "the output has {n} chars, more than the maximum {hi}"
        ));
    }
    Ok(format!("the output has {n} chars, within {bounds}"))
}

fn numeric(expected: f64, tolerance: f64, output: &str) -> Judged {
    let text = output.trim();
    let x: f64 = text
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| format!("the output {} is not a number", excerpt(text)))?;
    let off = (x - expected).abs();
    if off <= tolerance {
        Ok(format!("{x} is within {tolerance} of {expected}"))
    } else {
        Err(format!(
            "{x} is {off} away from {expected}, more than the tolerance {tolerance}"
        ))
    }
}

/// The spans inside `"…"` or `“…”` in `text`, in order; an opening quote without its
/// closing one is ignored.
fn quoted_spans(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['"', '“']) {
        let (close, open_len) = if rest[open..].starts_with('"') {
            ('"', 1)
        } else {
            ('”', '“'.len_utf8())
        };
        let body = &rest[open + open_len..];
        let Some(end) = body.find(close) else { break };
        out.push(&body[..end]);
        rest = &body[end + close.len_utf8()..];
    }
    out
}

fn quotes(field: Option<&str>, ctx: &Ctx<'_>) -> Judged {
    let facts: Vec<&str> = match field {
        None => quoted_spans(ctx.output),
        Some(pointer) => {
            let json = ctx.json().as_ref().map_err(Clone::clone)?;
            let at = json.pointer(pointer).ok_or_else(|| {
                format!("the output has no value at the JSON pointer `{pointer}`")
            })?;
            let mut leaves = Vec::new();
            string_leaves(at, &mut leaves);
            leaves
        }
    };
    // unique facts in order of appearance, each looked up in the input's suffix table
    let facts: Vec<Cow<'_, str>> = facts.into_iter().map(collapse_ws_cow).collect();
    let mut seen = HashSet::new();
    let unique: Vec<&str> = facts
        .iter()
        .map(|f| f.as_ref())
        .filter(|f| !f.is_empty() && seen.insert(*f))
        .collect();
    let checked = unique.len();
    let found: Vec<bool> = if checked == 0 {
        Vec::new()
    } else {
        let index = ctx.input_index().as_ref().map_err(Clone::clone)?;
        unique.iter().map(|q| index.contains(q)).collect()
    };
    let missing_count = found.iter().filter(|f| !**f).count();
    let missing: Vec<&str> = unique
        .iter()
        .zip(&found)
        .filter(|(_, f)| !**f)
        .map(|(q, _)| *q)
        .take(MAX_QUOTES_NAMED)
        .collect();
    let where_: Cow<'_, str> = match field {
        Some(p) => format!(" under `{p}`").into(),
        None => "".into(),
    };
    match missing.as_slice() {
        [] if checked == 0 => Ok(format!("the output quotes nothing{where_}")),
        [] => Ok(format!(
            "all {checked} quoted facts{where_} occur in the input"
        )),
        [one] if missing_count == 1 => Err(format!(
            "quote {} does not occur in the input",
            excerpt(one)
        )),
        named => {
            let list: Vec<String> = named.iter().map(|q| excerpt(q)).collect();
            Err(format!(
                "{missing_count} of {checked} quoted facts{where_} do not occur in the input: {}",
                list.join(", ")
            ))
        }
    }
}

fn language(code: &str, lang: Option<whatlang::Lang>, ctx: &Ctx<'_>) -> Judged {
    let expected =
        lang.ok_or_else(|| format!("the language code {code} is not one whatlang detects"))?;
    // for JSON output, the language of its string values, not of its keys and syntax
    let text: Cow<'_, str> = match ctx.output.trim_start().as_bytes().first() {
        Some(b'{' | b'[') => match ctx.json() {
            Ok(v) => {
                let mut leaves = Vec::new();
                string_leaves(v, &mut leaves);
                leaves.join("\n").into()
            }
            Err(_) => ctx.output.into(),
        },
        _ => ctx.output.into(),
    };
    for (name, sample) in samples(&text) {
        let info = whatlang::detect(sample)
            .ok_or_else(|| format!("no language could be detected in {name}"))?;
        if info.lang() != expected {
            let hedge = if info.is_reliable() {
                ""
            } else {
                " (unreliable detection)"
            };
            return Err(format!(
                "{name} is in {}{hedge}, expected {code}",
                info.lang().code()
            ));
        }
    }
    Ok(format!("the output is in {code}"))
}

/// The whole text, or three windows of it (module constant [`LANGUAGE_SAMPLE_BYTES`]).
fn samples(text: &str) -> Vec<(&'static str, &str)> {
    if text.len() <= LANGUAGE_SAMPLE_BYTES {
        return vec![("the output", text)];
    }
    let w = LANGUAGE_SAMPLE_BYTES / 3;
    let at = |start: usize| {
        let mut s = start.min(text.len());
        while !text.is_char_boundary(s) {
            s -= 1;
        }
        let mut e = (s + w).min(text.len());
        while !text.is_char_boundary(e) {
            e -= 1;
        }
        &text[s..e]
    };
    vec![
        ("the start of the output", at(0)),
        ("the middle of the output", at(text.len() / 2 - w / 2)),
        ("the end of the output", at(text.len() - w)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_spans_pair_up() {
        assert_eq!(
            quoted_spans(r#"He said "a b" then “c” and "d"#),
            vec!["a b", "c"]
        );
        assert!(quoted_spans("no quotes").is_empty());
    }

    #[test]
    fn samples_cover_start_middle_end_on_char_boundaries() {
        let text = "é".repeat(LANGUAGE_SAMPLE_BYTES);
        let s = samples(&text);
        assert_eq!(s.len(), 3);
        for (_, w) in s {
            assert!(!w.is_empty() && w.len() <= LANGUAGE_SAMPLE_BYTES / 3);
        }
    }

    /// Regression (new-user trial): a failing schema's reason quoted the whole offending
    /// value first, so the clipped text never reached the cause ("non-unique").
    #[test]
    fn a_long_value_does_not_hide_the_schema_reason() {
        use aos_protocol::messages::{Acceptance, Check};
        let acc = Acceptance {
            checks: vec![Check::JsonSchema {
                schema: serde_json::json!({"type": "array", "uniqueItems": true}),
            }],
            ..Acceptance::default()
        };
        let long = "x".repeat(400);
        let out = serde_json::json!([long, long]).to_string();
        let r = &run_checks(&acc, &serde_json::json!({}), &out)[0];
        assert!(!r.pass);
        assert!(r.reason.contains("non-unique"), "{}", r.reason);
    }
}
