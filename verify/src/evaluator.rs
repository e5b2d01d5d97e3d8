//! The evaluator (issue 13 "One evaluator, used by everyone"): a spec and a result in, a
//! signed [`Verdict`] out. Requesters, workers (self-check before submitting) and jurors
//! all call [`Evaluator::evaluate`], so on the same evidence they reach the same verdict.
//!
//! # What goes into the verdict, and what is an error
//!
//! A verdict holds only what every honest evaluator reproduces: deterministic checks,
//! the checker's outcome (fuel, memory and traps are deterministic, see
//! [`crate::sandbox`]), the photo's EXIF, and the judge's record (with its identity).
//! What depends on the evaluator's machine or network — a checker's wall-clock timeout,
//! a blob no peer serves, a judge that is down — is an [`EvalError`], often retryable,
//! never a failing check that would blame the worker.

use std::sync::Arc;

use aos_protocol::messages::{
    Acceptance, BPS, CheckOutcome, MAX_JUDGE_ID_LEN, MAX_RATIONALE_LEN, Message, MessageError,
    ResultBlob, TaskSpec, Verdict, is_hash,
};
use aos_protocol::{AgentId, AgentKey, ContentId, SignError, SignedMessage};

use crate::blob::{BlobError, BlobSource};
use crate::checks::CompiledChecks;
use crate::injection::INJECTION_SCREEN;
use crate::judge::{Judge, JudgeError};
use crate::photo::{MAX_PHOTO_BYTES, PHOTO_GEOLOCATION, check_photo};
use crate::sandbox::{MAX_CHECKER_MODULE_BYTES, Sandbox, SandboxError};
use crate::text::{clip, outcome};

/// The outcome kind of a WASM checker.
pub const WASM_CHECKER: &str = "wasm_checker";
/// The outcome kind of a rubric.
pub const RUBRIC: &str = "rubric";

/// Why this evaluator cannot evaluate a spec's acceptance (a worker skips such tasks).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    /// A rubric, but no judge configured.
    #[error("the spec has a rubric but this evaluator has no judge")]
    NoJudge,
    /// A checker module or photo, but no blob source to fetch it from.
    #[error("the spec needs a {what} blob but this evaluator has no blob source")]
    NoBlobSource {
        /// `"checker module"` or `"photo"`.
        what: &'static str,
    },
    /// A check that cannot run on any output (a regex or JSON Schema that does not
    /// compile): the spec is broken, not the result.
    #[error("the spec's acceptance criteria are broken: {0}")]
    BrokenCheck(String),
    /// A language check for a language `whatlang` does not detect.
    #[error("the spec checks for language {code}, which whatlang does not detect")]
    Language {
        /// The ISO 639-3 code.
        code: String,
    },
}

/// Whether `acceptance`'s deterministic checks can run at all: every regex and JSON
/// Schema compiles (with the evaluator's limits). Requesters call it before posting a
/// spec, workers before claiming one, and [`Evaluator::evaluate`] before judging.
///
/// # Errors
/// [`Unsupported::BrokenCheck`] naming every broken check.
pub fn check_acceptance(acceptance: &Acceptance) -> Result<(), Unsupported> {
    let problems = CompiledChecks::new(acceptance).problems();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Unsupported::BrokenCheck(problems.join("; ")))
    }
}

/// Evaluation did not produce a verdict.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// `spec_hash` or `result_hash` is not `0x` + 64 hex digits.
    #[error("{field} {value:?} is not 0x followed by 64 hex digits")]
    InvalidHash {
        /// `spec_hash` or `result_hash`.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// The result names another spec.
    #[error("the result is for spec {actual}, not {expected}")]
    SpecMismatch {
        /// The spec hash given.
        expected: String,
        /// The result blob's `spec_hash`.
        actual: String,
    },
    /// The spec's acceptance breaks its rules.
    #[error("invalid acceptance criteria: {0}")]
    InvalidSpec(#[source] MessageError),
    /// This evaluator lacks what the spec needs.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// A blob the spec names could not be fetched.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The checker ran past its wall-clock limit on this machine.
    #[error(transparent)]
    CheckerTimeout(SandboxError),
    /// The judge failed.
    #[error(transparent)]
    Judge(#[from] JudgeError),
    /// The verdict could not be signed.
    #[error("cannot sign the verdict: {0}")]
    Sign(#[from] SignError),
    /// The verdict breaks its own rules (a bug in this crate).
    #[error("the verdict is invalid: {0}")]
    InvalidVerdict(#[source] MessageError),
    /// The blocking checker thread failed.
    #[error("the checker thread failed: {0}")]
    Join(String),
}

impl EvalError {
    /// Whether evaluating again (later, from another peer, on another judge call) may
    /// give a verdict: blob fetches by [`BlobError::is_retryable`], checker timeouts,
    /// judges by [`JudgeError::is_retryable`], a failed thread.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Blob(e) => e.is_retryable(),
            Self::Judge(e) => e.is_retryable(),
            Self::CheckerTimeout(_) | Self::Join(_) => true,
            Self::InvalidHash { .. }
            | Self::SpecMismatch { .. }
            | Self::InvalidSpec(_)
            | Self::Unsupported(_)
            | Self::Sign(_)
            | Self::InvalidVerdict(_) => false,
        }
    }
}

/// Evaluates results against their specs' acceptance criteria (module docs). Built with
/// [`Evaluator::new`] and the `with_*` methods; `Send + Sync`.
#[must_use]
pub struct Evaluator {
    key: Option<AgentKey>,
    judge: Option<Box<dyn Judge>>,
    blobs: Option<Arc<dyn BlobSource>>,
    sandbox: Arc<Sandbox>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("evaluator", &self.evaluator_id())
            .field("signs", &self.key.is_some())
            .field("judge", &self.judge.as_ref().map(|j| j.identity()))
            .field("blobs", &self.blobs.is_some())
            .finish()
    }
}

impl Evaluator {
    /// An evaluator that signs its verdicts with `key` (unsigned, with the all-zero
    /// evaluator id, when `None`: a worker's self-check), with no judge, no blob source
    /// and its own sandbox.
    pub fn new(key: Option<AgentKey>) -> Self {
        Self {
            key,
            judge: None,
            blobs: None,
            sandbox: Arc::new(Sandbox::default()),
        }
    }

    /// Scores rubrics with `judge`.
    pub fn with_judge(mut self, judge: Box<dyn Judge>) -> Self {
        self.judge = Some(judge);
        self
    }

    /// Fetches checker modules and photos from `blobs`.
    pub fn with_blobs(mut self, blobs: Arc<dyn BlobSource>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Runs checkers in `sandbox` (to share its module cache between evaluators).
    pub fn with_sandbox(mut self, sandbox: Arc<Sandbox>) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// The id verdicts name as their evaluator: the key's, or all zeros without a key.
    pub fn evaluator_id(&self) -> AgentId {
        self.key
            .as_ref()
            .map_or(AgentId::from_bytes([0; 32]), AgentKey::agent_id)
    }

    /// Whether this evaluator has what `acceptance` needs: a judge for a rubric, a blob
    /// source for a photo or an uncached checker module, languages `whatlang` detects.
    ///
    /// # Errors
    /// [`Unsupported`] naming the first thing missing.
    pub fn can_evaluate(&self, acceptance: &Acceptance) -> Result<(), Unsupported> {
        if acceptance.rubric.is_some() && self.judge.is_none() {
            return Err(Unsupported::NoJudge);
        }
        if let Some(c) = &acceptance.checker
            && self.blobs.is_none()
            && self.sandbox.cached(&c.module).is_none()
        {
            return Err(Unsupported::NoBlobSource {
                what: "checker module",
            });
        }
        if acceptance.photo.is_some() && self.blobs.is_none() {
            return Err(Unsupported::NoBlobSource { what: "photo" });
        }
        for check in &acceptance.checks {
            if let aos_protocol::messages::Check::Language { code } = check
                && whatlang::Lang::from_code(code.as_str()).is_none()
            {
                return Err(Unsupported::Language { code: code.clone() });
            }
        }
        check_acceptance(acceptance)?;
        Ok(())
    }

    /// Evaluates `result` (whose blob has id `result_hash`) against `spec` (whose blob has
    /// id `spec_hash`): the deterministic checks, then the WASM checker, the photo and the
    /// rubric, in that order. `pass` is true when every outcome passed; `score_bps` is
    /// the floor of the mean of the outcomes' scores (10 000 when there are none: a spec
    /// without acceptance, or with only an [`Agreement`](aos_protocol::messages::Agreement),
    /// which [`crate::agreement()`] judges across results). A failing injection screen
    /// keeps the output from the judge: the rubric then fails without a judge record.
    /// Signed when the evaluator has a key.
    ///
    /// # Errors
    /// [`EvalError`]; retryable ones by [`EvalError::is_retryable`].
    pub async fn evaluate(
        &self,
        spec: &TaskSpec,
        spec_hash: &str,
        result_hash: &str,
        result: &ResultBlob,
    ) -> Result<Verdict, EvalError> {
        check_hash("spec_hash", spec_hash)?;
        check_hash("result_hash", result_hash)?;
        if !result.spec_hash.eq_ignore_ascii_case(spec_hash) {
            return Err(EvalError::SpecMismatch {
                expected: spec_hash.to_owned(),
                actual: result.spec_hash.clone(),
            });
        }
        let mut checks = Vec::new();
        let mut judge = None;
        if let Some(acceptance) = &spec.acceptance {
            acceptance.validate().map_err(EvalError::InvalidSpec)?;
            self.can_evaluate(acceptance)?;
            checks = CompiledChecks::new(acceptance).run(&spec.input, &result.output);
            let input_json = serde_json::to_string(&spec.input).unwrap_or_default();
            if let Some(c) = &acceptance.checker {
                checks.push(self.run_checker(c, &input_json, &result.output).await?);
            }
            if let Some(p) = &acceptance.photo {
                checks.push(self.check_photo(p, &result.output).await?);
            }
            if let Some(rubric) = &acceptance.rubric {
                let screened_out = checks
                    .iter()
                    .find(|c| c.kind == INJECTION_SCREEN && !c.pass)
                    .map(|c| c.reason.clone());
                match (screened_out, &self.judge) {
                    (Some(why), _) => checks.push(outcome(
                        RUBRIC,
                        false,
                        0,
                        &format!("not sent to the judge: {why}"),
                    )),
                    (None, None) => return Err(Unsupported::NoJudge.into()),
                    (None, Some(j)) => {
                        let mut record = j.score(rubric, &input_json, &result.output).await?;
                        // a judge's record is held to the verdict's rules whatever it returned
                        if record.judge.trim().is_empty() {
                            record.judge = j.identity();
                        }
                        record.judge = clip(&record.judge, MAX_JUDGE_ID_LEN);
                        record.rationale = clip(&record.rationale, MAX_RATIONALE_LEN);
                        record.threshold_bps = rubric.threshold_bps;
                        record.score_bps = record.score_bps.min(BPS);
                        let pass = record.score_bps >= rubric.threshold_bps;
                        checks.push(outcome(
                            RUBRIC,
                            pass,
                            record.score_bps,
                            &format!(
                                "{} scored {} bps against the threshold {} bps",
                                record.judge, record.score_bps, record.threshold_bps
                            ),
                        ));
                        judge = Some(record);
                    }
                }
            }
        }
        self.seal(Verdict {
            task_id: result.task_id.clone(),
            spec_hash: spec_hash.to_ascii_lowercase(),
            result_hash: result_hash.to_ascii_lowercase(),
            evaluator: self.evaluator_id(),
            pass: false,
            score_bps: 0,
            checks,
            judge,
            signature: None,
        })
    }

    /// `verdict` with `outcomes` appended to its checks — outcomes that need more than one
    /// result, such as [`crate::agreement_checks`] across redundant results — and then
    /// `pass`, `score_bps` and the evaluator recomputed by [`Evaluator::evaluate`]'s rules
    /// and the verdict signed again (unsigned without a key). The same verdict and
    /// outcomes give the same bytes, so a juror who recomputes the outcomes gets the
    /// requester's verdict back.
    ///
    /// # Errors
    /// [`EvalError::InvalidVerdict`] when the result breaks the verdict's rules (more than
    /// [`aos_protocol::messages::MAX_VERDICT_CHECKS`] outcomes, a reason too long, …);
    /// [`EvalError::Sign`].
    pub fn append(
        &self,
        mut verdict: Verdict,
        outcomes: impl IntoIterator<Item = CheckOutcome>,
    ) -> Result<Verdict, EvalError> {
        verdict.checks.extend(outcomes);
        verdict.evaluator = self.evaluator_id();
        verdict.signature = None;
        self.seal(verdict)
    }

    /// Sets `pass` (every outcome passed) and `score_bps` (the floor of the outcomes' mean
    /// score, 10 000 without outcomes), validates and signs.
    fn seal(&self, mut verdict: Verdict) -> Result<Verdict, EvalError> {
        let checks = &verdict.checks;
        verdict.pass = checks.iter().all(|c| c.pass);
        verdict.score_bps = if checks.is_empty() {
            BPS
        } else {
            let sum: u64 = checks.iter().map(|c| u64::from(c.score_bps)).sum();
            (sum / checks.len() as u64) as u16
        };
        verdict.validate().map_err(EvalError::InvalidVerdict)?;
        if let Some(key) = &self.key {
            verdict.sign_with(key)?;
        }
        Ok(verdict)
    }

    async fn fetch(&self, id: &ContentId, max_bytes: u64) -> Result<Vec<u8>, BlobError> {
        let Some(blobs) = &self.blobs else {
            // can_evaluate ran first; a missing source is a missing blob
            return Err(BlobError::NotFound(*id));
        };
        // a source is not trusted to keep the limit
        let bytes = BlobError::within(id, blobs.get(id, max_bytes).await?, max_bytes)?;
        id.verify(&bytes)?;
        Ok(bytes)
    }

    async fn run_checker(
        &self,
        checker: &aos_protocol::messages::WasmChecker,
        input_json: &str,
        output: &str,
    ) -> Result<CheckOutcome, EvalError> {
        let module = match self.sandbox.cached(&checker.module) {
            Some(m) => Ok(m),
            None => match self.fetch(&checker.module, MAX_CHECKER_MODULE_BYTES).await {
                Ok(wasm) => self.sandbox.compile(&checker.module, &wasm),
                Err(BlobError::TooLarge { len, max, .. }) => Err(SandboxError::Malformed(format!(
                    "the module is {len} bytes, above the {max}-byte limit"
                ))),
                Err(e) => return Err(e.into()),
            },
        };
        let run = match module {
            Err(e) => Err(e),
            Ok(module) => {
                let sandbox = Arc::clone(&self.sandbox);
                let limits = checker.clone();
                let (input, output) = (input_json.as_bytes().to_vec(), output.as_bytes().to_vec());
                tokio::task::spawn_blocking(move || sandbox.run(&module, &limits, &input, &output))
                    .await
                    .map_err(|e| EvalError::Join(e.to_string()))?
            }
        };
        Ok(match run {
            Ok(r) => {
                let reason = r.reason.unwrap_or_else(|| {
                    if r.pass {
                        "the checker passed the output".into()
                    } else {
                        "the checker failed the output".into()
                    }
                });
                outcome(WASM_CHECKER, r.pass, r.score_bps, &reason)
            }
            Err(e) if !e.is_deterministic() => return Err(EvalError::CheckerTimeout(e)),
            Err(e) => outcome(WASM_CHECKER, false, 0, &e.to_string()),
        })
    }

    async fn check_photo(
        &self,
        want: &aos_protocol::messages::PhotoGeolocation,
        output: &str,
    ) -> Result<CheckOutcome, EvalError> {
        let id: ContentId = match output.trim().parse() {
            Ok(id) => id,
            Err(e) => {
                return Ok(outcome(
                    PHOTO_GEOLOCATION,
                    false,
                    0,
                    &format!("the output is not a photo's content id: {e}"),
                ));
            }
        };
        match self.fetch(&id, MAX_PHOTO_BYTES).await {
            Ok(bytes) => Ok(check_photo(want, &bytes)),
            Err(BlobError::TooLarge { len, max, .. }) => Ok(outcome(
                PHOTO_GEOLOCATION,
                false,
                0,
                &format!(
                    "the photo of {len} bytes exceeds the limit of {max} bytes (refused before decoding)"
                ),
            )),
            Err(e) => Err(e.into()),
        }
    }
}

fn check_hash(field: &'static str, value: &str) -> Result<(), EvalError> {
    if is_hash(value) {
        Ok(())
    } else {
        Err(EvalError::InvalidHash {
            field,
            value: value.chars().take(80).collect(),
        })
    }
}
